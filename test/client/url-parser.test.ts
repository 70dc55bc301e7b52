import { describe, expect, it } from 'vitest';
import { v2 as cloudinary } from 'cloudinary';
import { parseDeliveryPath } from '../../src/protocol/delivery-url';

// The parser is pure, so it runs here in Node beside Cloudinary's own SDK,
// which generates every URL below exactly as users' applications do.
cloudinary.config({ cloud_name: 'demo', api_key: '1234', api_secret: 'abcd', analytics: false });

const parse = (url: string) => {
  const u = new URL(url);
  return parseDeliveryPath(u.pathname, u.search.slice(1));
};

interface Row {
  id: string;
  opts: Record<string, unknown>;
  expect: Partial<ReturnType<typeof parseDeliveryPath>>;
}

const table: Row[] = [
  { id: 'sample', opts: {}, expect: { publicId: 'sample', format: undefined, transformations: [], version: undefined } },
  { id: 'sample', opts: { format: 'jpg' }, expect: { publicId: 'sample', format: 'jpg' } },
  { id: 'sample.jpg', opts: {}, expect: { publicId: 'sample', format: 'jpg' } },
  { id: 'folder/sub/sample', opts: { format: 'png' }, expect: { publicId: 'folder/sub/sample', format: 'png', version: 1 } },
  { id: 'folder/test', opts: { force_version: false }, expect: { publicId: 'folder/test', version: undefined } },
  { id: 'sample', opts: { version: 1315060510, format: 'jpg' }, expect: { publicId: 'sample', version: 1315060510 } },
  {
    id: 'sample',
    opts: { width: 100, height: 100, crop: 'fill' },
    expect: { transformations: ['c_fill,h_100,w_100'], publicId: 'sample' },
  },
  {
    id: 'my_folder/photo',
    opts: { width: 300, crop: 'scale', format: 'webp' },
    expect: { transformations: ['c_scale,w_300'], publicId: 'my_folder/photo', format: 'webp', version: 1 },
  },
  {
    id: 'sample',
    opts: { transformation: [{ width: 200, crop: 'fill' }, { effect: 'sepia' }, { angle: 90 }] },
    expect: { transformations: ['c_fill,w_200', 'e_sepia', 'a_90'] },
  },
  { id: 'sample', opts: { transformation: 'blip blop' }, expect: { transformations: ['t_blip%20blop'] } },
  { id: 'a b', opts: {}, expect: { publicId: 'a b' } },
  { id: 'a??b', opts: {}, expect: { publicId: 'a??b' } },
  { id: 'a+b', opts: { format: 'jpg' }, expect: { publicId: 'a+b', format: 'jpg' } },
  { id: 'abcαβγאבג', opts: {}, expect: { publicId: 'abcαβγאבג' } },
  { id: 'parentheses(interject)', opts: {}, expect: { publicId: 'parentheses(interject)' } },
  { id: 'ab:c/d', opts: {}, expect: { publicId: 'ab:c/d', version: 1 } },
  { id: 'file.name.with.dots', opts: { format: 'png' }, expect: { publicId: 'file.name.with.dots', format: 'png' } },
  { id: 'v1234/test', opts: {}, expect: { publicId: 'test', version: 1234 } },
  { id: 'sample', opts: { fetch_format: 'auto', quality: 'auto' }, expect: { transformations: ['f_auto,q_auto'] } },
  {
    id: 'sample',
    opts: { width: 'auto:100:400', dpr: 'auto', crop: 'limit' },
    expect: { transformations: ['c_limit,dpr_auto,w_auto:100:400'] },
  },
  {
    id: 'sample',
    opts: { overlay: { text: 'Hello, World/x', font_family: 'Arial', font_size: 20 } },
    expect: { transformations: ['l_text:Arial_20:Hello%252C%20World%252Fx'] },
  },
  {
    id: 'sample',
    opts: { overlay: { public_id: 'folder/logo' }, gravity: 'north_east' },
    expect: { transformations: ['g_north_east,l_folder:logo'] },
  },
  { id: 'sample', opts: { if: 'w_lt_200', crop: 'fill', width: 80 }, expect: { transformations: ['if_w_lt_200,c_fill,w_80'] } },
  { id: 'sample', opts: { $size: 100, width: '$size', crop: 'scale' }, expect: { transformations: ['$size_100,c_scale,w_$size'] } },
  { id: 'sample', opts: { sign_url: true, format: 'jpg' }, expect: { signature: 'lGdq5NKO', publicId: 'sample' } },
  {
    id: 'sample',
    opts: { sign_url: true, long_url_signature: true, format: 'jpg' },
    expect: { signature: 'ZpqZj1Oc4nbeNu4FrlHDZCbYtTcdr4st' },
  },
  {
    id: 'sample.jpg',
    opts: { sign_url: true, width: 300, height: 200, crop: 'fill', version: 1315060510 },
    expect: { signature: 'm_vGKjpX', transformations: ['c_fill,h_200,w_300'], version: 1315060510, publicId: 'sample', format: 'jpg' },
  },
  { id: 'doc.pdf', opts: { resource_type: 'raw' }, expect: { resourceType: 'raw', publicId: 'doc.pdf', format: 'pdf' } },
  { id: 'folder/notes.txt', opts: { resource_type: 'raw' }, expect: { resourceType: 'raw', publicId: 'folder/notes.txt', version: 1 } },
  { id: 'secret', opts: { type: 'private', format: 'jpg' }, expect: { type: 'private', publicId: 'secret' } },
  {
    id: 'secret',
    opts: { type: 'authenticated', sign_url: true, width: 50, crop: 'scale' },
    expect: { type: 'authenticated', transformations: ['c_scale,w_50'] },
  },
  {
    id: 'https://example.com/images/logo.png',
    opts: { type: 'fetch' },
    expect: { type: 'fetch', remoteUrl: 'https://example.com/images/logo.png', transformations: [] },
  },
  {
    id: 'https://blah.com/hello?a=b',
    opts: { type: 'fetch', width: 100, crop: 'scale' },
    expect: { type: 'fetch', remoteUrl: 'https://blah.com/hello?a=b', transformations: ['c_scale,w_100'] },
  },
  {
    id: 'http://google.com/path/to/image.png',
    opts: { type: 'fetch', version: 1234, sign_url: true },
    expect: { type: 'fetch', remoteUrl: 'http://google.com/path/to/image.png', version: 1234, signature: 'FwKMFcv6' },
  },
  {
    id: 'https://example.com/a.png',
    opts: { type: 'fetch', format: 'jpg' },
    expect: { type: 'fetch', transformations: ['f_jpg'], remoteUrl: 'https://example.com/a.png' },
  },
];

describe('delivery URL parser against URLs from the cloudinary SDK', () => {
  for (const row of table) {
    const url = cloudinary.url(row.id, { secure: false, cname: 'localhost:8787', ...row.opts });
    it(`${row.id} ${JSON.stringify(row.opts)} -> ${url}`, () => {
      const d = parse(url);
      expect(d.cloud).toBe('demo');
      expect(d).toMatchObject({ resourceType: 'image', type: 'upload', ...row.expect });
    });
  }

  it('keeps a folder that is not a transformation in the public id', () => {
    expect(parse('http://h/demo/image/upload/my_folder/sample.jpg')).toMatchObject({ publicId: 'my_folder/sample', transformations: [] });
    expect(parse('http://h/demo/image/upload/w_100/my_folder/sample.jpg')).toMatchObject({
      publicId: 'my_folder/sample',
      transformations: ['w_100'],
    });
  });

  it('treats a version as the end of the transformations', () => {
    expect(parse('http://h/demo/image/upload/c_fill,w_10/v5/w_20/x.jpg')).toMatchObject({
      transformations: ['c_fill,w_10'],
      version: 5,
      publicId: 'w_20/x',
    });
  });

  it('accepts an URL-encoded fetch source and ignores the SDK analytics parameter', () => {
    const encoded = encodeURIComponent('https://example.com/a b.png?x=1');
    expect(parse(`http://h/demo/image/fetch/w_10/${encoded}?_a=BAMAROfk0`)).toMatchObject({
      remoteUrl: 'https://example.com/a b.png?x=1',
      transformations: ['w_10'],
    });
    expect(parse('http://h/demo/image/fetch/https:/example.com/x.jpg').remoteUrl).toBe('https://example.com/x.jpg');
  });

  it('reads the SEO short forms', () => {
    const url = cloudinary.url('test', { secure: false, cname: 'h', url_suffix: 'nice-name', format: 'jpg' });
    expect(url).toContain('/images/test/nice-name.jpg');
    expect(parse(url)).toMatchObject({ resourceType: 'image', type: 'upload', publicId: 'test', format: 'jpg', urlSuffix: 'nice-name' });
  });

  it.each([
    ['/demo/image/nonsense/sample.jpg', 'Invalid delivery type: nonsense'],
    ['/demo/banana/upload/sample.jpg', 'Invalid resource type: banana'],
    ['/demo/image/upload/', 'Missing public id'],
    ['/demo/image/upload/bad%E0%A4%A.jpg', 'Malformed URL encoding'],
    ['/demo/image/upload/a//b.jpg', 'Invalid public id: empty path segment'],
  ])('rejects %s with 400', (path, message) => {
    try {
      parseDeliveryPath(path);
      expect.unreachable();
    } catch (e) {
      expect((e as { status: number }).status).toBe(400);
      expect((e as Error).message).toContain(message);
    }
  });

  it.each(['v1_1', 'console', 'widget'])('never takes %s as a cloud name', (seg) => {
    expect(() => parseDeliveryPath(`/${seg}/image/upload/x.jpg`)).toThrow();
  });
});
