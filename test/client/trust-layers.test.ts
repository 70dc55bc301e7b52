import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';

/**
 * Protected images through SDK-built layer URLs (issue 18): the SDK writes a
 * layer of another type as `l_<type>:<id>`; an authenticated layer needs a
 * signed URL (`sign_url`), and its answer is never kept by a shared cache.
 */
const solid = (width: number, height: number, rgb: [number, number, number]) =>
  sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();
const dataUri = (b: Buffer) => `data:image/png;base64,${b.toString('base64')}`;

describe('protected layers through the SDK', async () => {
  const { cloudinary } = await loadSdk();
  const folder = uid('protected');
  const baseId = `${folder}/base`;

  it('refuses an unsigned overlay of an authenticated-type or access_mode=authenticated image and serves the signed one privately', async () => {
    await cloudinary.uploader.upload(dataUri(await solid(120, 80, [0, 0, 255])), { public_id: baseId });
    await cloudinary.uploader.upload(dataUri(await solid(30, 20, [255, 0, 0])), { public_id: `${folder}/typed`, type: 'authenticated' });
    await cloudinary.uploader.upload(dataUri(await solid(30, 20, [0, 255, 0])), {
      public_id: `${folder}/moded`,
      access_mode: 'authenticated',
    });
    const cases = [
      { overlay: { public_id: `${folder}/typed`, type: 'authenticated' }, rgb: [255, 0, 0] },
      { overlay: { public_id: `${folder}/moded` }, rgb: [0, 255, 0] },
    ];
    for (const { overlay, rgb } of cases) {
      const unsigned = cloudinary.url(baseId, { ...LOCAL_URL, overlay, gravity: 'north_west', format: 'png' });
      const refused = await fetch(unsigned);
      expect(refused.status, unsigned).toBe(401);
      expect(refused.headers.get('x-cld-error')).toMatch(/authenticated/);
      await refused.arrayBuffer();

      const signed = cloudinary.url(baseId, { ...LOCAL_URL, overlay, gravity: 'north_west', format: 'png', sign_url: true });
      for (let i = 0; i < 2; i++) {
        const res = await fetch(signed);
        expect(res.status, `${signed} ${res.headers.get('x-cld-error')}`).toBe(200);
        expect(res.headers.get('cache-control')).toBe('private, no-store');
        expect(res.headers.get('x-cache')).toBe('MISS');
        const { data } = await sharp(Buffer.from(await res.arrayBuffer()))
          .raw()
          .toBuffer({ resolveWithObject: true });
        expect(Array.from(data.subarray(0, 3)), 'the layer is drawn at the top left').toEqual(rgb);
      }
    }
  });

  it('lets a private-type image be a layer: its derived versions are public', async () => {
    const id = `${folder}/private`;
    await cloudinary.uploader.upload(dataUri(await solid(30, 20, [255, 255, 0])), { public_id: id, type: 'private' });
    await cloudinary.uploader.upload(dataUri(await solid(60, 40, [0, 0, 255])), { public_id: `${folder}/base2` });
    const url = cloudinary.url(`${folder}/base2`, { ...LOCAL_URL, overlay: { public_id: id, type: 'private' }, format: 'png' });
    expect(url).toContain(`l_private:${folder}:private`);
    const res = await fetch(url);
    expect(res.status, `${url} ${res.headers.get('x-cld-error')}`).toBe(200);
    await res.arrayBuffer();
  });
});
