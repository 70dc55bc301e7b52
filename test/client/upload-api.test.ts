import { describe, expect, it } from 'vitest';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';
import { DEMO } from '../support/clouds';
import { md5 } from '../support/upload';
import { fixtureBytes, fixturePath } from '../support/fixtures';

const photo = fixtureBytes('photo-1mp.jpg');
const alpha = fixtureBytes('alpha.png');

describe('upload through the SDK', async () => {
  const { cloudinary, base } = await loadSdk();
  const fetchBytes = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
  };

  it('uploads a local file as a multipart file part and answers field for field', async () => {
    const publicId = uid('file');
    const r = await cloudinary.uploader.upload(fixturePath('photo-1mp.jpg'), { public_id: publicId, tags: ['a', 'b'] });
    expect(r).toMatchObject({
      public_id: publicId,
      width: 1152,
      height: 864,
      format: 'jpg',
      resource_type: 'image',
      type: 'upload',
      bytes: photo.length,
      etag: md5(photo),
      placeholder: false,
      tags: ['a', 'b'],
      original_filename: 'photo-1mp',
      access_mode: 'public',
    });
    expect(typeof r.version).toBe('number');
    expect(r.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(r.signature).toBe(cloudinary.utils.api_sign_request({ public_id: r.public_id, version: r.version }, DEMO.api_secret));
    expect(r.url).toBe(`${base}/demo/image/upload/v${r.version}/${publicId}.jpg`);
    expect(r.secure_url).toBe(r.url); // loopback host: no https
    expect('error' in r).toBe(false);
    const got = await fetchBytes(r.url);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(photo)).toBe(true);
  });

  it('puts the public id under folder, and uses the file name with and without a unique suffix', async () => {
    const folder = uid('f');
    const a = await cloudinary.uploader.upload(fixturePath('alpha.png'), { folder: `${folder}/sub/`, public_id: 'my_name' });
    expect(a.public_id).toBe(`${folder}/sub/my_name`);
    const b = await cloudinary.uploader.upload(fixturePath('alpha.png'), { folder, use_filename: true });
    expect(b.public_id).toMatch(new RegExp(`^${folder}/alpha_[a-z0-9]{6}$`));
    const c = await cloudinary.uploader.upload(fixturePath('alpha.png'), { folder, use_filename: true, unique_filename: false });
    expect(c.public_id).toBe(`${folder}/alpha`);
    const d = await cloudinary.uploader.upload(fixturePath('alpha.png'));
    expect(d.public_id).toMatch(/^[a-z0-9]{20}$/);
    expect((await fetchBytes(d.secure_url)).bytes.equals(alpha)).toBe(true);
  });

  it('keeps the extension of raw files and detects image vs raw from the bytes with resource_type auto', async () => {
    const raw = await cloudinary.uploader.upload(fixturePath('not-an-image.png'), { resource_type: 'raw', folder: uid('raw') });
    expect(raw.public_id).toMatch(/\/[a-z0-9]{20}\.png$/);
    expect(raw.resource_type).toBe('raw');
    expect(raw.url).toBe(`${base}/demo/raw/upload/v${raw.version}/${raw.public_id}`);
    expect((await fetchBytes(raw.url)).bytes.equals(fixtureBytes('not-an-image.png'))).toBe(true);
    const auto1 = await cloudinary.uploader.upload(fixturePath('static.gif'), { resource_type: 'auto', public_id: uid('auto') });
    expect(auto1).toMatchObject({ resource_type: 'image', format: 'gif', width: 640, height: 427 });
    // A text file named .png is raw under auto: the bytes decide, not the name.
    const auto2 = await cloudinary.uploader.upload(fixturePath('not-an-image.png'), { resource_type: 'auto', public_id: uid('auto') });
    expect(auto2.resource_type).toBe('raw');
  });

  it('gives every overwrite a new, greater version and honours overwrite=false', async () => {
    const publicId = uid('over');
    const first = await cloudinary.uploader.upload(fixturePath('photo-1mp.jpg'), { public_id: publicId });
    const second = await cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: publicId });
    const third = await cloudinary.uploader.upload(fixturePath('static.gif'), { public_id: publicId });
    expect(second.version).toBeGreaterThan(first.version);
    expect(third.version).toBeGreaterThan(second.version);
    expect(second.overwritten).toBe(true);
    const kept = await cloudinary.uploader.upload(fixturePath('photo-1mp.jpg'), { public_id: publicId, overwrite: false });
    expect(kept.version).toBe(third.version);
    expect(kept.format).toBe('gif');
    expect(kept.existing).toBe(true);
    const latest = await fetchBytes(cloudinary.url(publicId, { ...LOCAL_URL, format: 'gif' }));
    expect(latest.bytes.equals(fixtureBytes('static.gif'))).toBe(true);
  });

  it('stores type private and authenticated, and access_mode', async () => {
    const p = await cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: uid('priv'), type: 'private' });
    expect(p.type).toBe('private');
    expect(p.url).toContain('/demo/image/private/');
    const a = await cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: uid('auth'), type: 'authenticated' });
    expect(a.type).toBe('authenticated');
    const m = await cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: uid('am'), access_mode: 'authenticated' });
    expect(m.access_mode).toBe('authenticated');
    // An unsigned delivery of a private asset is refused.
    expect((await fetch(p.url)).status).toBe(401);
  });

  it('round-trips context with escaped separators, and tags', async () => {
    const r = await cloudinary.uploader.upload(fixturePath('alpha.png'), {
      public_id: uid('ctx'),
      context: { alt: 'x=y|z', caption: 'hi', key3: 'val=u|e3' },
      tags: 'one,two',
    });
    expect(r.context).toEqual({ custom: { alt: 'x=y|z', caption: 'hi', key3: 'val=u|e3' } });
    expect(r.tags).toEqual(['one', 'two']);
  });

  it('uploads a Base64 data URI and a file-less answer never carries an error key', async () => {
    const r = await cloudinary.uploader.upload(`data:image/png;base64,${alpha.toString('base64')}`, { public_id: uid('data') });
    expect(r).toMatchObject({ format: 'png', width: 782, height: 687, bytes: alpha.length, etag: md5(alpha), original_filename: 'file' });
  });

  it('accepts a SHA-256 signature', async () => {
    const r = await cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: uid('sha256'), signature_algorithm: 'sha256' });
    expect(r.width).toBe(782);
  });

  it('lands 20 parallel uploads of different files', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => uid(`par${i}`));
    const results = await Promise.all(
      ids.map((id, i) => cloudinary.uploader.upload(fixturePath(i % 2 ? 'alpha.png' : 'photo-1mp.jpg'), { public_id: id })),
    );
    expect(results.map((r) => r.public_id)).toEqual(ids);
    for (const [i, r] of results.entries()) {
      const got = await fetchBytes(r.url);
      expect(got.bytes.equals(i % 2 ? alpha : photo)).toBe(true);
    }
  });

  it('leaves one consistent asset after two parallel uploads to the same public id', async () => {
    const publicId = uid('race');
    const [a, b] = await Promise.all([
      cloudinary.uploader.upload(fixturePath('photo-1mp.jpg'), { public_id: publicId }),
      cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: publicId }),
    ]);
    expect(a.version).not.toBe(b.version);
    const winner = a.version > b.version ? a : b;
    const explicit = await cloudinary.uploader.explicit(publicId, { type: 'upload' });
    expect(explicit.version).toBe(winner.version);
    expect(explicit.etag).toBe(winner.etag);
    const got = await fetchBytes(`${base}/demo/image/upload/${publicId}.${winner.format}`);
    expect(md5(got.bytes)).toBe(winner.etag);
  });
});
