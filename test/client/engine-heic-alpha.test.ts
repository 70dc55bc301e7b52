import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** A HEIC with an alpha plane and a quarter-turned HEIC as SDK users meet them. */
describe('HEIC alpha and turned HEIC through the SDK', async () => {
  const { cloudinary } = await loadSdk();
  const upload = async (file: string) => {
    const publicId = `heicalpha_${uid()}/img`;
    const res = await cloudinary.uploader.upload(`data:application/octet-stream;base64,${fixture(file).toString('base64')}`, {
      public_id: publicId,
    });
    return { publicId, res };
  };
  const raw = async (url: string) => {
    const res = await fetch(url);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4)];
    return { width: info.width, height: info.height, at };
  };

  it('keeps the transparency as PNG and flattens it on b_red as JPEG', { timeout: 300_000 }, async () => {
    const { publicId, res } = await upload('alpha.heic');
    expect(res).toMatchObject({ format: 'heic', width: 256, height: 192 });
    const png = await raw(cloudinary.url(publicId, { ...LOCAL_URL, fetch_format: 'png' }));
    expect([png.width, png.height]).toEqual([256, 192]);
    expect(png.at(5, 100)[3]).toBe(0);
    expect(png.at(240, 10)[3]).toBe(255);
    const jpg = await raw(cloudinary.url(publicId, { ...LOCAL_URL, background: 'red', fetch_format: 'jpg' }));
    const [r, g, b] = jpg.at(5, 100);
    expect(r).toBeGreaterThan(240);
    expect(Math.max(g, b)).toBeLessThan(16);
  });

  it('delivers a quarter-turned HEIC at full size as an upright JPEG', { timeout: 300_000 }, async () => {
    const { publicId } = await upload('photo-irot.heic');
    const jpg = await raw(cloudinary.url(publicId, { ...LOCAL_URL, fetch_format: 'jpg' }));
    expect([jpg.width, jpg.height]).toEqual([1067, 1600]);
  });
});
