import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { engineStats } from '../../src/engine/engine';
import { decodePngReduced } from '../../src/engine/codecs/png-rows';
import { rasterStrips } from '../../src/engine/codecs/strips';
import { REGISTRY } from '../../src/engine/registry';
import { parseTransformation } from '../../src/engine/parse';
import type { Raster } from '../../src/engine/raster';
import type { PixelEffect } from '../../src/engine/registry-types';
import type { ParamKey } from '../../src/engine/types';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, dims, makeRaster, meanDiff } from './support/images';

const get = (path: string, headers: Record<string, string> = {}) => SELF.fetch(`http://w/demo/image/upload/${path}`, { headers });
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 300_000 };
const MB = 1024 * 1024;

/** A PNG's iCCP chunk (length, type, data, CRC), if it has one right after IHDR. */
function iccp(png: Uint8Array): Uint8Array | undefined {
  const at = 8 + 25;
  if (String.fromCharCode(...png.subarray(at + 4, at + 8)) !== 'iCCP') return undefined;
  const length = new DataView(png.buffer, png.byteOffset).getUint32(at);
  return png.slice(at, at + 12 + length);
}

/** Largest |r-g|, |g-b| over every pixel (a grayscale image's chroma, after JPEG's rounding). */
function chroma(r: Raster): number {
  let m = 0;
  for (let i = 0; i < r.data.length; i += 4) m = Math.max(m, Math.abs(r.data[i] - r.data[i + 1]), Math.abs(r.data[i + 1] - r.data[i + 2]));
  return m;
}

describe('same-size deliveries in strips, with point effects', () => {
  it('delivers e_grayscale of a 24 MP photo within 48 MB, by its own accounting and the modules measured', T, async () => {
    const id = uid('g24');
    await storeImage(id, fixture('photo-24mp.jpg'));
    const res = await get(`e_grayscale/${id}.jpg`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const out = await bytesOf(res);
    expect(dims(out)).toBe('6532x3675');
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
    expect(engineStats.lastStreamWasmBytes).toBeGreaterThan(0);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('delivers f_png of a 24 MP photo at full size within the budget', T, async () => {
    const id = uid('png24');
    await storeImage(id, fixture('photo-24mp.jpg'));
    const res = await get(`f_png/${id}`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const out = await bytesOf(res);
    expect(dims(out)).toBe('6532x3675');
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(96 * MB);
    // Every row is there and inflates: read back by the row decoder (reduced, to keep the test light).
    const back = await decodePngReduced(out, 16);
    expect([back.width, back.height]).toEqual([Math.ceil(6532 / 16), Math.ceil(3675 / 16)]);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('delivers e_grayscale of a 4K screenshot at full size, the same pixels as the whole-frame path', T, async () => {
    const id = uid('shot');
    await storeImage(id, fixture('screenshot-4k.png'));
    const res = await get(`e_grayscale/${id}.png`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    const strips = await bytesOf(res);
    const peak = engineStats.lastPeakBytes;
    expect(dims(strips)).toBe('3840x2160');
    expect(peak).toBeLessThanOrEqual(48 * MB);
    // a_0 is not a point step: the same request through the whole frame.
    const framed = await get(`e_grayscale,a_0/${id}.png`);
    expect(framed.status).toBe(200);
    const f = await decodePngReduced(await bytesOf(framed), 1);
    const s = await decodePngReduced(strips, 1);
    expect(meanDiff(s, f)).toBe(0);
    expect(chroma(s)).toBe(0);
  });

  it('delivers f_webp of a 12 MP HEIC at full size', T, async () => {
    const id = uid('heic');
    await storeImage(id, fixture('photo-12mp.heic'));
    const res = await get(`f_webp/${id}`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    expect(dims(await bytesOf(res))).toBe('4608x2592');
    // libwebp's whole YUV picture and its working memory (src/engine/costs.ts webpEncodeBytes) beside the HEIC module's row of tiles.
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
    expect(engineStats.lastStreamWasmBytes).toBeGreaterThan(0);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('delivers e_grayscale of a 24 MP photo as WebP within 64 MB, by its own accounting and the modules measured', T, async () => {
    const id = uid('g24w');
    await storeImage(id, fixture('photo-24mp.jpg'));
    const res = await get(`e_grayscale/${id}.webp`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe('6532x3675');
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(64 * MB);
    expect(engineStats.lastStreamWasmBytes).toBeGreaterThan(0);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('charges o_50 of a 3 MP photo as WebP for libwebp coding its alpha plane losslessly', T, async () => {
    const id = uid('o50w');
    await storeImage(id, fixture('photo-3mp-exif.jpg'));
    engineStats.lastStreamWasmBytes = 0;
    const res = await get(`o_50/${id}.webp`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe('2190x1369');
    // VP8L on the alpha plane takes about 22 bytes a pixel beside the picture: far more than the lossy pass.
    expect(engineStats.lastStreamWasmBytes).toBeGreaterThan(2190 * 1369 * 10);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
    expect(engineMemory().stats.open).toBe(0);
  });

  it.each(['e_sepia', 'e_negate,o_50', 'e_hue:40/e_contrast:30'])(
    '%s of a 3 MP photo with an ICC profile: the same pixels in strips as from the whole frame',
    T,
    async (t) => {
      const id = uid('p3');
      await storeImage(id, fixture('photo-3mp-exif.jpg'));
      engineStats.lastStreamWasmBytes = 0;
      const res = await get(`${t}/${id}.png`);
      expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
      const strips = await bytesOf(res);
      // The codec module decoded strips (the whole-frame path below sets no such figure).
      expect(engineStats.lastStreamWasmBytes).toBeGreaterThan(0);
      engineStats.lastStreamWasmBytes = 0;
      const framed = await get(`${t.replace('/', ',a_0/')},a_0/${id}.png`);
      expect(framed.status).toBe(200);
      expect(engineStats.lastStreamWasmBytes).toBe(0);
      const whole = await bytesOf(framed);
      expect(meanDiff(decode(strips), decode(whole))).toBe(0);
      // The converted profile's replacement (sRGB), written in place after IHDR as the whole-frame path inserts it.
      expect(iccp(strips)).toBeDefined();
      expect(iccp(strips)).toEqual(iccp(whole));
    },
  );

  it.each([
    ['photo-24mp.jpg', 'e_grayscale', 'jpg', /Invalid image file: the JPG data could not be decoded/],
    // The module's PNG reader names what it found wrong (a row filter, a bad deflate stream).
    ['screenshot-4k.png', 'e_negate', 'png', /^Invalid image file: (the PNG data could not be decoded|unknown PNG row filter)/],
  ])(
    'answers %s damaged halfway with %s in strips with a 400, leaves no lease open, and serves the next request',
    T,
    async (file, t, f, message) => {
      const id = uid('cut');
      // Headers intact (the source passes inspection); a run of garbage in the middle of the coded data.
      const bytes = fixture(file).slice();
      const mid = Math.floor(bytes.length / 2);
      for (let i = 0; i < 64; i++) bytes[mid + i] = i % 2 ? 0xd9 : 0xff;
      await storeImage(id, bytes);
      const res = await get(`${t}/${id}.${f}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('x-cld-error')).toMatch(message);
      await res.arrayBuffer();
      expect(engineMemory().stats.open).toBe(0);
      const good = uid('after');
      await storeImage(good, fixture('photo-1mp.jpg'));
      expect((await get(`w_50/${good}.jpg`)).status).toBe(200);
    },
  );

  it('f_webp and f_jpg of e_grayscale in strips come close to the whole-frame encoders', T, async () => {
    const id = uid('p3w');
    await storeImage(id, fixture('photo-3mp-exif.jpg'));
    for (const f of ['webp', 'jpg']) {
      const s = await get(`e_grayscale/${id}.${f}`);
      expect(s.status, s.headers.get('x-cld-error') ?? '').toBe(200);
      const w = await get(`e_grayscale,a_0/${id}.${f}`);
      expect(w.status).toBe(200);
      const [a, b] = [decode(await bytesOf(s)), decode(await bytesOf(w))];
      expect(meanDiff(a, b)).toBeLessThan(1);
    }
  });
});

describe('point effects', () => {
  const img = makeRaster(37, 50, (x, y) => [(x * 7 + y * 3) % 256, (x * y) % 256, (255 - x * 5) % 256, (x + y * 11) % 256]);
  const effectOf = (key: ParamKey) => REGISTRY[key].effect as PixelEffect<ParamKey>;

  it.each([
    'e_grayscale',
    'e_blackwhite:40',
    'e_sepia:60',
    'e_negate',
    'e_brightness:30',
    'e_contrast:-40',
    'e_saturation:50',
    'e_hue:30',
    'e_gamma:40',
    'e_vibrance:60',
    'e_colorize:50,co_rgb:336699',
    'e_tint:80:blue:red',
    'e_replace_color:red:40:00ff00',
    'e_red:40',
    'e_green:-30',
    'e_blue:20',
    'e_art:al_dente',
    'o_40',
  ])('%s is marked pointwise and gives the same pixels strip by strip as on the whole raster', async (t) => {
    const params = parseTransformation(t).components[0].params;
    for (const key of Object.keys(params) as ParamKey[]) {
      const effect = REGISTRY[key].effect;
      if (typeof effect !== 'object') continue;
      const value = params[key] as never;
      expect(effectOf(key).pointwise?.(value, params)).toBe(true);
      const whole = effect.apply(img, value, params);
      const parts: Uint8Array[] = [];
      for await (const strip of rasterStrips(img, 16)) parts.push(effect.apply(strip, value, params).data);
      const joined = new Uint8Array(img.data.length);
      parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
      expect(joined).toEqual(whole.data);
    }
  });

  it.each(['e_tint:equalize:80:blue', 'e_replace_color:red', 'e_art:zorro', 'e_vignette', 'e_blur:100', 'e_auto_contrast', 'e_noise:20'])(
    '%s needs more than the pixel itself: not pointwise',
    (t) => {
      const params = parseTransformation(t).components[0].params;
      expect(effectOf('e').pointwise?.(params.e as never, params) ?? false).toBe(false);
    },
  );
});
