import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** HEIC photos as SDK users meet them: uploads report the upright size, transformations and f_auto work, HEIC output is refused. */
describe('HEIC through the SDK', async () => {
  const { cloudinary } = await loadSdk();
  const upload = async (file: string) => {
    const publicId = `heic_${uid()}/img`;
    const res = await cloudinary.uploader.upload(`data:application/octet-stream;base64,${fixture(file).toString('base64')}`, {
      public_id: publicId,
    });
    return { publicId, res };
  };
  const meta = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers });
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    const m = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    return [m.format, m.width, m.height];
  };

  it('uploads report the format and the upright size (a grid, and irot)', { timeout: 300_000 }, async () => {
    expect((await upload('photo.heic')).res).toMatchObject({ format: 'heic', width: 1600, height: 1067 });
    expect((await upload('photo-12mp.heic')).res).toMatchObject({ format: 'heic', width: 4608, height: 2592 });
    expect((await upload('photo-irot.heic')).res).toMatchObject({ format: 'heic', width: 1067, height: 1600 });
  });

  it('f_jpg, w_400/f_auto and c_fill,w_400,h_300 of an uploaded HEIC', { timeout: 400_000 }, async () => {
    const { publicId } = await upload('photo.heic');
    expect(await meta(cloudinary.url(publicId, { ...LOCAL_URL, fetch_format: 'jpg' }))).toEqual(['jpeg', 1600, 1067]);
    const auto = cloudinary.url(publicId, { ...LOCAL_URL, transformation: [{ width: 400 }, { fetch_format: 'auto' }] });
    expect(await meta(auto, { Accept: 'image/webp,*/*' })).toEqual(['webp', 400, 267]);
    expect(await meta(auto)).toEqual(['jpeg', 400, 267]);
    const big = await upload('photo-12mp.heic');
    expect(await meta(cloudinary.url(big.publicId, { ...LOCAL_URL, width: 400, height: 300, crop: 'fill', format: 'jpg' }))).toEqual([
      'jpeg',
      400,
      300,
    ]);
    const turned = await upload('photo-irot.heic');
    expect(await meta(cloudinary.url(turned.publicId, { ...LOCAL_URL, width: 300, crop: 'scale', format: 'png' }))).toEqual([
      'png',
      300,
      450,
    ]);
  });

  it('refuses HEIC output, and a HEIC whose ispe hides a huge coded picture, naming why', { timeout: 300_000 }, async () => {
    const { publicId } = await upload('photo.heic');
    const out = await fetch(cloudinary.url(publicId, { ...LOCAL_URL, width: 100, crop: 'scale', fetch_format: 'heic' }));
    expect(out.status).toBe(400);
    expect(out.headers.get('x-cld-error')).toBe('Output format heic is not supported');
    const lie = await upload('hostile/heic-ispe-lie.heic');
    const res = await fetch(cloudinary.url(lie.publicId, { ...LOCAL_URL, width: 100, crop: 'scale', format: 'jpg' }));
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/memory budget/);
    expect(await meta(cloudinary.url(publicId, { ...LOCAL_URL, width: 50, crop: 'scale', format: 'jpg' }))).toEqual(['jpeg', 50, 33]);
  });
});
