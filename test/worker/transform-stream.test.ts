import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { engineStats } from '../../src/engine/engine';
import { readJpegMetadata } from '../../src/engine/metadata';
import { decodePngReduced } from '../../src/engine/codecs/png-rows';
import type { Raster } from '../../src/engine/raster';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, dims, meanDiff } from './support/images';

const get = (path: string, headers: Record<string, string> = {}) => SELF.fetch(`http://w/demo/image/upload/${path}`, { headers });
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 180_000 };
const MB = 1024 * 1024;

function premultiplied(r: Raster): Raster {
  const data = r.data.slice();
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) data[i + c] = Math.round((data[i + c] * data[i + 3]) / 255);
  return { ...r, data };
}

describe('full-size JPEG deliveries in strips', () => {
  it('delivers f_auto,q_auto of a 24 MP photo at full size within 48 MB, by its own accounting and the module measured', T, async () => {
    const id = uid('p24');
    await storeImage(id, fixture('photo-24mp.jpg'));
    const res = await get(`f_auto,q_auto/${id}`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(dims(await bytesOf(res))).toBe('6532x3675');
    // Charged to the request's lease, and what the codec module's memory really reached.
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
    expect(engineStats.lastStreamWasmBytes).toBeGreaterThan(0);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('keeps the pixels of a re-encoded photo (and its ICC profile)', T, async () => {
    const id = uid('p3');
    const source = fixture('photo-3mp-exif.jpg');
    await storeImage(id, source);
    const res = await get(`q_90/${id}.jpg`);
    expect(res.status).toBe(200);
    const out = await bytesOf(res);
    expect(dims(out)).toBe('2190x1369');
    expect(meanDiff(decode(out), decode(source))).toBeLessThan(2);
    expect(readJpegMetadata(out).icc).toEqual(readJpegMetadata(source).icc);
  });

  it.each(['progressive.jpg', 'cmyk.jpg', 'grayscale.jpg'])('re-encodes %s at full size like the whole-frame path', T, async (file) => {
    const id = uid('full');
    await storeImage(id, fixture(file));
    const streamed = await get(`q_80/${id}.jpg`);
    expect(streamed.status, streamed.headers.get('x-cld-error') ?? '').toBe(200);
    const wasm = engineStats.lastStreamWasmBytes;
    // a_0 is a pixel step: the same request through the whole-frame path (decode, rotate by nothing, encode).
    const framed = await get(`q_80,a_0/${id}.jpg`);
    expect(framed.status).toBe(200);
    const [s, f] = [await bytesOf(streamed), await bytesOf(framed)];
    expect(dims(s)).toBe(dims(f));
    expect(meanDiff(decode(s), decode(f))).toBeLessThan(1);
    expect(wasm).toBeGreaterThan(0);
  });

  it('writes a full-size lossy WebP of a 12 MP photo in strips', T, async () => {
    const id = uid('p12w');
    await storeImage(id, fixture('photo-12mp.jpg'));
    const res = await get(`q_auto/${id}.webp`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe('4608x2592');
    expect(engineStats.lastStreamWasmBytes).toBeGreaterThan(0);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
  });

  it('writes a full-size lossy WebP of a 24 MP photo within 64 MB, by its own accounting and the module measured', T, async () => {
    const id = uid('p24w');
    await storeImage(id, fixture('photo-24mp.jpg'));
    const res = await get(`${id}.webp`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe('6532x3675');
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(64 * MB);
    expect(engineStats.lastStreamWasmBytes).toBeGreaterThan(0);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('charges q_100 WebP of a 12 MP photo for the coded data libwebp holds', T, async () => {
    const id = uid('p12q');
    await storeImage(id, fixture('photo-12mp.jpg'));
    const res = await get(`q_100/${id}.webp`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(engineStats.lastStreamWasmBytes).toBeGreaterThan(0);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
  });
});

describe('f_auto weighs the output size', () => {
  const accept = { Accept: 'image/avif,image/webp,*/*' };
  it('picks AVIF for a 1500 px image, WebP for a 3 MP one, JPEG for 24 MP', T, async () => {
    const big = uid('fa24');
    const mid = uid('fa3');
    await storeImage(big, fixture('photo-24mp.jpg'));
    await storeImage(mid, fixture('photo-3mp-exif.jpg'));
    const small = await get(`c_scale,w_1500,f_auto/${mid}`, accept);
    expect(small.status, small.headers.get('x-cld-error') ?? '').toBe(200);
    expect(small.headers.get('content-type')).toBe('image/avif');
    const medium = await get(`f_auto/${mid}`, accept);
    expect(medium.headers.get('content-type')).toBe('image/webp');
    const large = await get(`f_auto/${big}`, accept);
    expect(large.status).toBe(200);
    expect(large.headers.get('content-type')).toBe('image/jpeg');
  });

  it('answers an explicit f_avif too large for the budget with a 400 naming the limit', T, async () => {
    const id = uid('avif24');
    await storeImage(id, fixture('photo-24mp.jpg'));
    const res = await get(`f_avif/${id}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/memory budget.*ENGINE_MEMORY_MB|Image too large/);
  });
});

describe('PNG read row by row', () => {
  it.each(['alpha.png', 'palette.png', 'palette-trns.png', 'rgb16.png', 'screenshot-4k.png'])(
    'reads %s as photon does (full size)',
    T,
    async (file) => {
      const bytes = fixture(file);
      const rows = await decodePngReduced(bytes, 1);
      const whole = decode(bytes);
      expect([rows.width, rows.height]).toEqual([whole.width, whole.height]);
      // Colour under full transparency is nobody's business: compare premultiplied.
      expect(meanDiff(premultiplied(rows), premultiplied(whole))).toBeLessThan(0.5);
    },
  );

  it('box-reduces on the way, alpha-weighted', T, async () => {
    const bytes = fixture('alpha.png');
    const reduced = await decodePngReduced(bytes, 4);
    expect([reduced.width, reduced.height]).toEqual([Math.ceil(782 / 4), Math.ceil(687 / 4)]);
  });

  it.each([
    ['c_fill,w_400,h_300', '400x300'],
    ['w_800', '800x450'],
  ])('delivers %s of a 4K screenshot within 48 MB', T, async (t, size) => {
    const id = uid('shot');
    await storeImage(id, fixture('screenshot-4k.png'));
    const res = await get(`${t}/${id}.png`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe(size);
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
  });

  it('refuses a PNG bomb by the work budget before reading its rows', T, async () => {
    const id = uid('pngbomb');
    await storeImage(id, fixture('bomb-50000x50000.png'));
    const res = await get(`w_100/${id}.png`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/Image too large to process: .*ENGINE_WORK_PIXELS/);
  });
});

describe('WebP scaled while decoding', () => {
  it('makes a thumbnail of a 4096x4096 WebP within 48 MB (photon needed 231 MB to decode it)', T, async () => {
    const id = uid('w4k');
    await storeImage(id, fixture('large-4096.webp'));
    const res = await get(`c_fill,w_400,h_300/${id}.jpg`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe('400x300');
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
  });

  it.each(['lossy.webp', 'lossless-alpha.webp'])('decodes %s like photon at full size', T, async (file) => {
    const id = uid('wp');
    await storeImage(id, fixture(file));
    const res = await get(`${id}.png`);
    expect(res.status).toBe(200);
    expect(meanDiff(premultiplied(decode(await bytesOf(res))), premultiplied(decode(fixture(file))))).toBeLessThan(1.5);
  });
});

describe('HEIC sources', () => {
  it('answer f_jpg and w_400,f_auto whatever the extension says (.heic, .heif or none)', T, async () => {
    const id = uid('heic');
    await storeImage(id, fixture('photo.heic'));
    for (const [path, size] of [
      [`f_jpg/${id}.heic`, '1600x1067'],
      [`w_400,f_auto/${id}.heif`, '400x267'],
      [`f_jpg/${id}`, '1600x1067'],
    ]) {
      const res = await get(path);
      expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(dims(await bytesOf(res))).toBe(size);
    }
  });
});
