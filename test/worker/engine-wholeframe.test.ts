import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { engineStats } from '../../src/engine/engine';
import type { Raster } from '../../src/engine/raster';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, dims, meanDiff } from './support/images';

const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 180_000 };
const MB = 1024 * 1024;

function region(r: Raster, x: number, y: number, width: number, height: number): Raster {
  const data = new Uint8Array(width * height * 4);
  for (let row = 0; row < height; row++)
    data.set(r.data.subarray(((y + row) * r.width + x) * 4, ((y + row) * r.width + x + width) * 4), row * width * 4);
  return { data, width, height };
}

describe('the whole-frame path (effects and crops at full size)', () => {
  // e_vignette needs the frame (it darkens by position); at level 0 it keeps the picture, at the cost of any one-raster effect.
  it(
    'charges about 8 bytes per pixel for an effect that needs the frame (e_vignette:0) on a 3 MP photo, and the encoder module stays within its charge',
    T,
    async () => {
      const id = uid('wf3');
      const source = fixture('photo-3mp-exif.jpg');
      await storeImage(id, source);
      const res = await get(`e_vignette:0/${id}.jpg`);
      expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
      const out = await bytesOf(res);
      expect(dims(out)).toBe('2190x1369');
      const pixels = 2190 * 1369;
      const peak = engineStats.lastPeakBytes;
      console.log(
        `3 MP e_vignette:0: ${(peak / MB).toFixed(1)} MB charged, ${(peak / pixels).toFixed(2)} bytes/pixel; row encoder module ${(engineStats.lastEncodeWasmBytes / MB).toFixed(1)} MB; ${out.length} bytes`,
      );
      // 3 bytes of decoded JPEG + 4 of raster, then the raster and the effect's result; the input rides along.
      expect(peak).toBeGreaterThan(7 * pixels);
      expect(peak).toBeLessThanOrEqual(8 * pixels + source.length);
      // The row encoder's module really stayed within the raster-free charge (1.5 bytes per pixel + 4 MB).
      expect(engineStats.lastEncodeWasmBytes).toBeGreaterThan(0);
      expect(engineStats.lastEncodeWasmBytes).toBeLessThanOrEqual(1.5 * pixels + 4 * MB);
      // The picture is the source (photon's decoder differs slightly from libjpeg-turbo's; JPEG at q80 on top).
      expect(meanDiff(decode(out), decode(source))).toBeLessThan(3);
    },
  );

  it('serves a 12 MP photo with an effect that needs the frame at full size within the 96 MB budget', T, async () => {
    const id = uid('wf12');
    await storeImage(id, fixture('photo-12mp.jpg'));
    const res = await get(`e_vignette:0/${id}.jpg`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    const out = await bytesOf(res);
    const [w, h] = dims(out).split('x').map(Number);
    expect(w * h).toBeGreaterThan(11_900_000);
    console.log(
      `12 MP e_vignette:0: ${(engineStats.lastPeakBytes / MB).toFixed(1)} MB charged, ${(engineStats.lastPeakBytes / (w * h)).toFixed(2)} bytes/pixel; ${out.length} bytes`,
    );
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(96 * MB);
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(8.2 * w * h);
    expect(engineMemory().stats.open).toBe(0);
  });

  // A point effect (e_grayscale) runs in strips instead (transform-strips.test.ts).
  it(
    'refuses a 24 MP photo with an effect that needs the frame at full size with a 400 naming the limit, and serves the next request',
    T,
    async () => {
      const id = uid('wf24');
      await storeImage(id, fixture('photo-24mp.jpg'));
      const res = await get(`e_vignette/${id}.jpg`);
      expect(res.status).toBe(400);
      expect(res.headers.get('x-cld-error')).toMatch(/memory budget|Image too large/);
      expect((await get(`w_100,e_vignette/${id}.jpg`)).status).toBe(200);
      expect(engineMemory().stats.open).toBe(0);
    },
  );

  it('serves c_crop at full size from a 12 MP photo by copying rows, not resampling', T, async () => {
    const id = uid('wfcrop');
    await storeImage(id, fixture('photo-12mp.jpg'));
    const res = await get(`c_crop,w_4000,h_2500,x_300,y_50/${id}.jpg`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe('4000x2500');
    console.log(`12 MP c_crop 4000x2500: ${(engineStats.lastPeakBytes / MB).toFixed(1)} MB charged`);
    // Decoded source (3 bytes per source pixel) beside the cropped raster (4 per output pixel): no resampler copies.
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(3 * 11_943_936 + 4 * 4000 * 2500 + 2 * MB);
  });

  it('crops exactly the asked pixels', T, async () => {
    const id = uid('wfpx');
    const source = fixture('photo-3mp-exif.jpg');
    await storeImage(id, source);
    const res = await get(`c_crop,w_640,h_480,x_1001,y_333/${id}.png`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    const crop = decode(await bytesOf(res));
    const whole = decode(await bytesOf(await get(`${id}.png`)));
    expect(meanDiff(crop, region(whole, 1001, 333, 640, 480))).toBe(0);
    // And against an independent decoder of the source (photon's, which upsamples chroma a little differently).
    expect(meanDiff(crop, region(decode(source), 1001, 333, 640, 480))).toBeLessThan(2);
    // One pixel to the side would differ.
    expect(meanDiff(crop, region(whole, 1002, 333, 640, 480))).toBeGreaterThan(0.5);
  });
});

describe('the box reduction (integer sums, opaque fast path)', () => {
  /** Straightforward alpha-weighted block means in doubles: what the reducer must give exactly. */
  function reference(r: Raster, k: number): Raster {
    const w = Math.ceil(r.width / k);
    const h = Math.ceil(r.height / k);
    const data = new Uint8Array(w * h * 4);
    for (let by = 0; by < h; by++)
      for (let bx = 0; bx < w; bx++) {
        const s = [0, 0, 0, 0];
        let n = 0;
        for (let y = by * k; y < Math.min(r.height, (by + 1) * k); y++)
          for (let x = bx * k; x < Math.min(r.width, (bx + 1) * k); x++) {
            const i = (y * r.width + x) * 4;
            const a = r.data[i + 3];
            for (let c = 0; c < 3; c++) s[c] += r.data[i + c] * a;
            s[3] += a;
            n++;
          }
        const o = (by * w + bx) * 4;
        data[o + 3] = Math.round(s[3] / n);
        for (let c = 0; c < 3; c++) data[o + c] = s[3] > 0 ? Math.round(s[c] / s[3]) : 0;
      }
    return { data, width: w, height: h };
  }

  it.each([
    [3, 'mixed alpha'],
    [4, 'opaque'],
    [300, 'large blocks (double sums)'],
  ])('matches the reference at 1/%i (%s), partial edge blocks included', async (k, kind) => {
    const { BoxReducer } = await import('../../src/engine/codecs/box-reduce');
    const width = k === 300 ? 700 : 101;
    const height = k === 300 ? 650 : 53;
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const data = new Uint8Array(width * height * 4);
    for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 && kind !== 'opaque' ? [0, 255, next()][next() % 3] : next();
    if (kind === 'opaque') for (let i = 3; i < data.length; i += 4) data[i] = 255;
    const src = { data, width, height };
    const reducer = new BoxReducer(width, height, k);
    for (let y = 0; y < height; y++) reducer.add(data.subarray(y * width * 4, (y + 1) * width * 4));
    reducer.flush();
    expect(reducer.out.width).toBe(Math.ceil(width / k));
    expect(Array.from(reducer.out.data)).toEqual(Array.from(reference(src, k).data));
  });
});
