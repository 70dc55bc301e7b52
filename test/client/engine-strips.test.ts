import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** Full-size deliveries with point effects and other outputs, run in strips, as SDK users meet them (read back by libvips). */
describe('same-size deliveries in strips through SDK-built URLs', async () => {
  const { cloudinary } = await loadSdk();
  const upload = async (file: string) => {
    const publicId = `strips_${uid()}/img`;
    await cloudinary.uploader.upload(`data:application/octet-stream;base64,${fixture(file).toString('base64')}`, { public_id: publicId });
    return publicId;
  };
  const fetchImage = async (url: string) => {
    const res = await fetch(url);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    return sharp(Buffer.from(await res.arrayBuffer()));
  };

  it('e_grayscale and f_png of a 24 MP photo at full size', { timeout: 300_000 }, async () => {
    const id = await upload('photo-24mp.jpg');
    const grey = await fetchImage(cloudinary.url(id, { ...LOCAL_URL, effect: 'grayscale', format: 'jpg' }));
    const meta = await grey.metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 6532, 3675]);
    const stats = await grey.stats();
    expect(Math.abs(stats.channels[0].mean - stats.channels[2].mean)).toBeLessThan(1);

    const png = await fetchImage(cloudinary.url(id, { ...LOCAL_URL, format: 'png' }));
    const pngMeta = await png.metadata();
    expect([pngMeta.format, pngMeta.width, pngMeta.height]).toEqual(['png', 6532, 3675]);
    // The same pixels as libvips decodes from the source (both reduced alike for the comparison).
    const ours = await png.resize(400).raw().toBuffer();
    const theirs = await sharp(fixture('photo-24mp.jpg')).resize(400).raw().toBuffer();
    let diff = 0;
    for (let i = 0; i < ours.length; i++) diff += Math.abs(ours[i] - theirs[i]);
    expect(diff / ours.length).toBeLessThan(2);
  });

  it('e_sepia of a 4K screenshot at full size, and as lossy WebP', { timeout: 300_000 }, async () => {
    const id = await upload('screenshot-4k.png');
    // A PNG source's WebP is lossless unless fl_lossy asks otherwise (lossless WebP is encoded from the whole frame).
    for (const [format, flags] of [
      ['png', undefined],
      ['webp', 'lossy'],
    ]) {
      const meta = await (await fetchImage(cloudinary.url(id, { ...LOCAL_URL, effect: 'sepia', format, flags }))).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual([format, 3840, 2160]);
    }
  });
});
