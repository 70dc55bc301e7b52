import { describe, expect, it } from 'vitest';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';
import { md5, signedPost } from '../support/upload';
import { fixtureBytes, fixturePath } from '../support/fixtures';

/** Width and height from a PNG or JPEG header. */
function size(b: Buffer): { width: number; height: number } {
  if (b[0] === 0x89) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  let o = 2;
  while (o < b.length) {
    const marker = b[o + 1];
    const len = b.readUInt16BE(o + 2);
    if (marker >= 0xc0 && marker <= 0xc3) return { height: b.readUInt16BE(o + 5), width: b.readUInt16BE(o + 7) };
    o += 2 + len;
  }
  throw new Error('no size');
}

describe('incoming and eager transformations', async () => {
  const { cloudinary, base } = await loadSdk();

  it('applies the direct size parameters before storing (incoming transformation)', async () => {
    const r = await cloudinary.uploader.upload(fixturePath('photo-1mp.jpg'), {
      public_id: uid('inc'),
      width: 400,
      height: 400,
      crop: 'limit',
    });
    expect(r).toMatchObject({ width: 400, height: 300, format: 'jpg' });
    const res = await fetch(r.url);
    const stored = Buffer.from(await res.arrayBuffer());
    expect(size(stored)).toEqual({ width: 400, height: 300 });
    expect(md5(stored)).toBe(r.etag);
    expect(r.bytes).toBe(stored.length);
  });

  it('generates eager transformations during the upload, listed with working URLs', async () => {
    const id = uid('eager');
    const r = await cloudinary.uploader.upload(fixturePath('photo-1mp.jpg'), {
      public_id: id,
      eager: [
        { width: 400, height: 300, crop: 'pad' },
        { width: 260, height: 200, crop: 'crop', gravity: 'north', format: 'png' },
      ],
    });
    expect(r.eager).toHaveLength(2);
    expect(r.eager[0]).toMatchObject({ transformation: 'c_pad,h_300,w_400', width: 400, height: 300, format: 'jpg' });
    expect(r.eager[1]).toMatchObject({ transformation: 'c_crop,g_north,h_200,w_260', width: 260, height: 200, format: 'png' });
    // The SDK builds the same URL for the same options.
    expect(r.eager[0].url).toBe(
      cloudinary.url(id, { ...LOCAL_URL, width: 400, height: 300, crop: 'pad', format: 'jpg', version: r.version }),
    );
    for (const e of r.eager) {
      const res = await fetch(e.url);
      expect(res.status).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBe(e.bytes);
      expect(size(body)).toEqual({ width: e.width, height: e.height });
    }
  });

  it('takes the eager string form with | and / over raw HTTP', async () => {
    const id = uid('eager_raw');
    const res = await signedPost(
      base,
      '/v1_1/demo/image/upload',
      { public_id: id, eager: 'c_scale,w_100|c_fill,h_50,w_50/png' },
      { file: { bytes: fixtureBytes('alpha.png'), name: 'a.png' } },
    );
    expect(res.status).toBe(200);
    const r = (await res.json()) as { eager: { transformation: string; width: number; format: string; url: string }[] };
    expect(r.eager.map((e) => [e.transformation, e.width, e.format])).toEqual([
      ['c_scale,w_100', 100, 'png'],
      ['c_fill,h_50,w_50', 50, 'png'],
    ]);
    expect((await fetch(r.eager[1].url)).status).toBe(200);
  });

  it('explicit creates eager versions for an existing asset', async () => {
    const id = uid('exp_eager');
    await cloudinary.uploader.upload(fixturePath('photo-1mp.jpg'), { public_id: id });
    const r = await cloudinary.uploader.explicit(id, { type: 'upload', eager: [{ crop: 'scale', width: 200 }] });
    expect(r.eager).toEqual([expect.objectContaining({ transformation: 'c_scale,w_200', width: 200, height: 150 })]);
    expect((await fetch(r.eager[0].secure_url)).status).toBe(200);
  });

  it('refuses a malformed eager or incoming transformation and stores nothing', async () => {
    const id = uid('bad_eager');
    await expect(cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: id, eager: 'w_abc' })).rejects.toMatchObject({
      http_code: 400,
    });
    expect((await fetch(`${base}/demo/image/upload/${id}.png`)).status).toBe(404);
    await expect(
      cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: id, transformation: 'c_nosuchcrop,w_10' }),
    ).rejects.toMatchObject({ http_code: 400 });
    expect((await fetch(`${base}/demo/image/upload/${id}.png`)).status).toBe(404);
    // An image the engine cannot read (a JPEG that ends before its image data) is refused before it is stored when eager work is asked for.
    await expect(cloudinary.uploader.upload(fixturePath('truncated.jpg'), { public_id: id, eager: 'w_100' })).rejects.toMatchObject({
      http_code: 400,
    });
    expect((await fetch(`${base}/demo/image/upload/${id}.jpg`)).status).toBe(404);
  });
});
