import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { engineStats } from '../../src/engine/engine';
import { encodeJpegRgba, transcodeJpeg } from '../../src/engine/codecs/pipeline';
import { sniffImage } from '../../src/engine/sniff';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, dims, encodePng, meanDiff } from './support/images';

const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 180_000 };
const MB = 1024 * 1024;

/** A progressive copy of a baseline fixture, written by the codec module itself (no large file committed). */
const progressiveOf = (name: string) =>
  transcodeJpeg(fixture(name), {
    shrink: 1,
    target: 'jpg',
    quality: 80,
    progressive: true,
    optimize: true,
    orientation: 1,
    coefficientBytes: 0,
  }).bytes;

describe('progressive JPEG sources above 13 MP', () => {
  it('charges the coefficient buffer from the sampling factors and the shrink-on-load factor', () => {
    const s = sniffImage(progressiveOf('photo-1mp.jpg'));
    expect(s?.progressive).toBe(true);
    // 1152x864 at 4:2:0: luma 144x108 blocks, each chroma 72x54. Full size: 128 bytes a block (3 bytes per pixel).
    const luma = 144 * 108;
    const chroma = 2 * 72 * 54;
    expect(s?.coefficientBytes?.[1]).toBe((luma + chroma) * 128);
    // Scaled: the kept side squared (chroma is scaled up in the IDCT, so one step larger), 2 bytes each, plus an 8-byte map.
    expect(s?.coefficientBytes?.[2]).toBe(luma * (16 * 2 + 8) + chroma * 128);
    expect(s?.coefficientBytes?.[4]).toBe(luma * (4 * 2 + 8) + chroma * (16 * 2 + 8));
    expect(s?.coefficientBytes?.[8]).toBe(luma * (1 * 2 + 8) + chroma * (4 * 2 + 8));
  });

  it('decodes a progressive file at 1/2, 1/4 and 1/8 like the baseline file with the same coefficients', T, async () => {
    const raster = decode(fixture('photo-1mp.jpg'));
    const id = uid('progscale');
    // Same raster, same quality: the same quantised coefficients in one scan or in ten.
    await storeImage(`${id}-base`, encodeJpegRgba(raster, 80, false));
    const progressive = encodeJpegRgba(raster, 80, true);
    expect(sniffImage(progressive)?.progressive).toBe(true);
    await storeImage(`${id}-prog`, progressive);
    // The reference: the same picture without DCT scaling (a PNG, reduced by the resampler alone).
    await storeImage(`${id}-ref`, encodePng(decode(encodeJpegRgba(raster, 80, false))));
    for (const width of [576, 288, 144]) {
      const base = await get(`c_scale,w_${width}/${id}-base.png`);
      const prog = await get(`c_scale,w_${width}/${id}-prog.png`);
      expect(base.status).toBe(200);
      expect(prog.status, prog.headers.get('x-cld-error') ?? '').toBe(200);
      const a = decode(await bytesOf(base));
      const b = decode(await bytesOf(prog));
      expect(b.width).toBe(width);
      // Only the coefficients outside the kept zone differ (libjpeg's reduced 4x4 and 2x2 IDCTs also read rows and
      // columns 5-7; the progressive decode is a plain 4- or 2-point IDCT of the low frequencies).
      const ref = decode(await bytesOf(await get(`c_scale,w_${width}/${id}-ref.png`)));
      // Measured (photo-1mp): 2.01 at 1/2, 1.19 at 1/4, 0.09 at 1/8 between the two decodes; against the unscaled
      // reference the progressive decode is no worse (1.96, 1.70, 1.98) than libjpeg's reduced IDCTs (2.62, 2.05, 1.97).
      expect(meanDiff(a, b)).toBeLessThan(2.5);
      expect(meanDiff(ref, b)).toBeLessThanOrEqual(meanDiff(ref, a) + 0.1);
    }
  });

  it('serves a thumbnail of a 36 MP progressive JPEG within 48 MB; full size is a 400 (output pixels)', T, async () => {
    const width = 7200;
    const height = 5000;
    const data = new Uint8Array(width * height * 4);
    let seed = 0x9e3779b9;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        const o = (y * width + x) * 4;
        const noise = seed & 31;
        data[o] = ((x >> 3) + noise) & 255;
        data[o + 1] = ((y >> 3) + noise) & 255;
        data[o + 2] = ((x + y) >> 5) & 255;
        data[o + 3] = 255;
      }
    }
    const bytes = encodeJpegRgba({ data, width, height }, 80, true);
    const s = sniffImage(bytes);
    expect(s?.progressive).toBe(true);
    expect(s?.coefficientBytes?.[1]).toBeGreaterThan(100 * MB);
    const id = uid('prog36');
    await storeImage(id, bytes);
    const res = await get(`c_fill,w_400,h_300/${id}.jpg`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe('400x300');
    // What was charged, and what the module's memory really grew to, stay under the 48 MB target.
    expect(engineStats.lastPeakBytes).toBeGreaterThan(s?.coefficientBytes?.[8] ?? Infinity);
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
    expect(engineMemory().stats.open).toBe(0);
    const full = await get(`q_80/${id}.jpg`);
    expect(full.status).toBe(400);
    expect(full.headers.get('x-cld-error')).toBe('Image too large: output 36000000 pixels, maximum is 25000000 pixels');
    await full.arrayBuffer();
    expect((await get(`c_scale,w_200/${id}.jpg`)).status).toBe(200);
  });

  it('serves a thumbnail of a 24 MP progressive JPEG (it failed above 13 MP), within the budget it was charged', T, async () => {
    const id = uid('prog24');
    const bytes = progressiveOf('photo-24mp.jpg');
    expect(sniffImage(bytes)?.progressive).toBe(true);
    await storeImage(id, bytes);
    const res = await get(`c_fill,w_400,h_300/${id}.jpg`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe('400x300');
    // At 1/8 the codec module keeps 9 MB of its 72 MB of coefficients (4:2:0): the charge follows.
    expect(engineStats.lastPeakBytes).toBeGreaterThan(sniffImage(bytes)?.coefficientBytes?.[8] ?? Infinity);
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
    expect(engineMemory().stats.open).toBe(0);
    // Full size needs the coefficients and the frame or the encoder's room as well: a 400 naming the budget.
    const full = await get(`q_80/${id}.jpg`);
    expect(full.status).toBe(400);
    expect(full.headers.get('x-cld-error')).toMatch(/memory budget.*ENGINE_MEMORY_MB/);
    await full.arrayBuffer();
    // Through the whole frame (an effect that needs it; a point effect would run in strips) the decode ceiling answers first.
    const framed = await get(`q_80,e_vignette:0/${id}.jpg`);
    expect(framed.status).toBe(400);
    expect(framed.headers.get('x-cld-error')).toContain('Image too large: decoding 24005100 pixels');
    await framed.arrayBuffer();
    expect((await get(`c_scale,w_200/${id}.jpg`)).status).toBe(200);
  });
});
