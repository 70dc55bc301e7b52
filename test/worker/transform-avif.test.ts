import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { decodeAvif } from '../../src/engine/codecs/avif';
import { engineStats } from '../../src/engine/engine';
import type { Raster } from '../../src/engine/raster';
import { fixture, storeImage, uid } from './support/fixtures';
import { encodePng, makeRaster } from './support/images';

/**
 * AVIF within the memory target (docs/engine.md "AVIF within the budget"):
 * lossy output larger than a tile is a grid of separately encoded tiles, so
 * the encoder's module keeps the size it had for a thumbnail; what the
 * request was charged covers what the module really reached.
 */
const get = (path: string, headers: Record<string, string> = {}) => SELF.fetch(`http://w/demo/image/upload/${path}`, { headers });
const T = { timeout: 180_000 };
const MB = 1024 * 1024;

/** The spread of the first channel: a blank (one-colour) image has none. */
function spread(r: Raster): number {
  let min = 255;
  let max = 0;
  for (let i = 0; i < r.data.length; i += 4) {
    min = Math.min(min, r.data[i]);
    max = Math.max(max, r.data[i]);
  }
  return max - min;
}

async function avifOf(path: string, headers: Record<string, string> = {}) {
  const res = await get(path, headers);
  expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
  expect(res.headers.get('content-type')).toBe('image/avif');
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { bytes, image: await decodeAvif(bytes) };
}

describe('AVIF within the budget', () => {
  it(
    'writes c_scale,w_1600 of a 12 MP photo as a grid: the whole image, charged at least what the encoder module reached, within 48 MB',
    T,
    async () => {
      const id = uid('avif12');
      await storeImage(id, fixture('photo-12mp.jpg'));
      const { image } = await avifOf(`c_scale,w_1600,f_avif/${id}`);
      expect([image.width, image.height]).toEqual([1600, 900]);
      expect(spread(image)).toBeGreaterThan(100);
      const charged = engineStats.lastPeakBytes;
      const measured = engineStats.lastEncodeWasmBytes;
      expect(measured).toBeGreaterThan(0);
      expect(charged).toBeGreaterThanOrEqual(measured);
      expect(charged).toBeLessThanOrEqual(48 * MB);
      // The module stays at the size a one-tile encode needs.
      await avifOf(`c_fill,w_400,h_300,f_avif/${id}`);
      expect(measured).toBeLessThanOrEqual(engineStats.lastEncodeWasmBytes);
      expect(engineMemory().stats.open).toBe(0);
    },
  );

  it('lets f_auto choose AVIF (a grid) up to 2.5 MP within 48 MB, WebP beyond', T, async () => {
    const id = uid('avifauto');
    await storeImage(id, fixture('photo-12mp.jpg'));
    const accept = { Accept: 'image/avif,image/webp,*/*' };
    const { image } = await avifOf(`c_fill,w_2100,h_1190,f_auto/${id}`, accept);
    expect([image.width, image.height]).toEqual([2100, 1190]);
    expect(engineStats.lastPeakBytes).toBeGreaterThanOrEqual(engineStats.lastEncodeWasmBytes);
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
    const larger = await get(`c_fill,w_2200,h_1238,f_auto/${id}`, accept);
    expect(larger.headers.get('content-type')).toBe('image/webp');
  });

  it('encodes a transparent image whole and charges what that takes beyond the grid', T, async () => {
    const id = uid('avifalpha');
    // Lossy (fl_lossy) and transparent: no grid, so the encoder charges the whole-image working set before it runs.
    const png = encodePng(makeRaster(720, 480, (x, y) => [x & 255, y & 255, (x * y) & 255, x < 360 ? 255 : 128]));
    await storeImage(id, png);
    const { image } = await avifOf(`fl_lossy,f_avif/${id}`);
    expect([image.width, image.height]).toEqual([720, 480]);
    expect(image.data[(10 * 720 + 600) * 4 + 3]).toBeLessThan(200);
    expect(engineStats.lastPeakBytes).toBeGreaterThanOrEqual(engineStats.lastEncodeWasmBytes);
    // A lossless one (a PNG source without fl_lossy), encoded whole at 4:4:4.
    await avifOf(`c_scale,w_400,f_avif/${id}`);
    expect(engineStats.lastPeakBytes).toBeGreaterThanOrEqual(engineStats.lastEncodeWasmBytes);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('still refuses w_4900,h_4900,f_avif with a 400 naming the memory budget', T, async () => {
    const id = uid('avifheavy');
    await storeImage(id, fixture('photo-3mp-exif.jpg'));
    const res = await get(`w_4900,h_4900,c_scale,f_avif/${id}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/memory budget.*ENGINE_MEMORY_MB/);
  });
});
