import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { storeAsset, uniq } from '../support/worker-assets';
import { fixture } from './support/fixtures';

const jpeg = fixture('photo-1mp.jpg');

async function storeJpeg(publicId: string, cloud = 'demo') {
  return (
    await storeAsset({
      ref: { cloud, resourceType: 'image', type: 'upload', publicId },
      data: jpeg,
      contentType: 'image/jpeg',
      format: 'jpg',
      width: 1152,
      height: 864,
    })
  ).resource;
}

describe('delivery of originals', () => {
  it('has real fixture bytes to serve', () => {
    expect(jpeg.length).toBe(257395);
    expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });

  it('serves the stored bytes with the delivery headers Cloudinary sends', async () => {
    const id = `${uniq()}/photo`;
    const r = await storeJpeg(id);
    const res = await SELF.fetch(`http://w/demo/image/upload/v${r.version}/${id}.jpg?_a=BAMAROfk0`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('image/jpeg');
    expect(res.headers.get('Content-Length')).toBe(String(jpeg.length));
    expect(res.headers.get('ETag')).toBe(`"${r.etag}"`);
    expect(new Date(res.headers.get('Last-Modified')!).getTime()).toBeGreaterThan(0);
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(jpeg);
  });

  it('treats v1 and no version as unversioned, and serves the current asset for any version', async () => {
    const id = `${uniq()}/photo`;
    await storeJpeg(id);
    for (const path of [`v1/${id}.jpg`, `${id}.jpg`, `${id}`, `v1/${id}.jpeg`]) {
      const res = await SELF.fetch(`http://w/demo/image/upload/${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('Cache-Control')).toBe('public, max-age=3600');
      await res.arrayBuffer();
    }
    const old = await SELF.fetch(`http://w/demo/image/upload/v12345/${id}.jpg`);
    expect(old.status).toBe(200);
    await old.arrayBuffer();
  });

  it('answers HEAD without a body and If-None-Match with 304', async () => {
    const id = uniq();
    const r = await storeJpeg(id);
    const head = await SELF.fetch(`http://w/demo/image/upload/${id}.jpg`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('Content-Length')).toBe(String(jpeg.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const cond = await SELF.fetch(`http://w/demo/image/upload/${id}.jpg`, { headers: { 'If-None-Match': `"${r.etag}"` } });
    expect(cond.status).toBe(304);
    const changed = await SELF.fetch(`http://w/demo/image/upload/${id}.jpg`, { headers: { 'If-None-Match': '"other"' } });
    expect(changed.status).toBe(200);
    await changed.arrayBuffer();
  });

  it('serves raw files with their extension in the public id', async () => {
    const id = `${uniq()}/notes.txt`;
    await storeAsset({
      ref: { cloud: 'demo', resourceType: 'raw', type: 'upload', publicId: id },
      data: new TextEncoder().encode('plain'),
      contentType: 'text/plain',
      format: 'txt',
    });
    const res = await SELF.fetch(`http://w/demo/raw/upload/v1/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/plain');
    expect(await res.text()).toBe('plain');
  });

  it('decodes public ids with spaces, unicode and other escapes', async () => {
    const id = `${uniq()} a+b αβ (1)`;
    await storeJpeg(id);
    const res = await SELF.fetch(`http://w/demo/image/upload/${encodeURIComponent(id)}.jpg`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it("answers 404 with X-Cld-Error for a missing asset, and never serves another cloud's asset", async () => {
    const id = uniq();
    await storeJpeg(id, 'other');
    const res = await SELF.fetch(`http://w/demo/image/upload/${id}.jpg`);
    expect(res.status).toBe(404);
    expect(res.headers.get('X-Cld-Error')).toBe(`Resource not found - ${id}`);
    const unknownCloud = await SELF.fetch(`http://w/nosuch/image/upload/${id}.jpg`);
    expect(unknownCloud.status).toBe(404);
    expect(unknownCloud.headers.get('X-Cld-Error')).toContain('nosuch');
  });

  it.each([
    '/demo/image/bogus/x.jpg',
    '/demo/bogus/upload/x.jpg',
    '/demo/image/upload/%E0%A4%A.jpg',
    '/demo/image/upload/a//b.jpg',
    '/demo/image',
  ])('answers a malformed path %s with 400 and X-Cld-Error', async (path) => {
    const res = await SELF.fetch(`http://w${path}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('X-Cld-Error')).toBeTruthy();
  });
});
