import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { engineStats } from '../../src/engine/engine';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, dims, meanDiff } from './support/images';

const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 180_000 };
const MB = 1024 * 1024;

/**
 * A JPEG with an EXIF block holding only Orientation, put in after SOI: how a
 * portrait phone photo of any size is made from a landscape fixture without
 * committing a large file.
 */
function withOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  // Exif\0\0, TIFF header (big-endian), IFD0 with one entry: tag 0x0112 SHORT 1 = orientation, no next IFD.
  const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const app1 = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  const out = new Uint8Array(jpeg.length + app1.length);
  out.set(jpeg.subarray(0, 2));
  out.set(app1, 2);
  out.set(jpeg.subarray(2), 2 + app1.length);
  return out;
}

describe('EXIF-rotated sources at full size: decoded once, turned while encoding', () => {
  it.each([
    ['orientation-6.jpg', '1000x1600'],
    ['orientation-8.jpg', '900x1600'],
  ])('%s as JPEG and WebP matches the whole-frame path', T, async (file, size) => {
    const id = uid('ex');
    await storeImage(id, fixture(file));
    for (const ext of ['jpg', 'webp']) {
      const streamed = await get(`q_90/${id}.${ext}`);
      expect(streamed.status, streamed.headers.get('x-cld-error') ?? '').toBe(200);
      const wasm = engineStats.lastStreamWasmBytes;
      const charged = engineStats.lastPeakBytes;
      // e_brightness:0 is a pixel step: the same request through the whole-frame path (decode, turn, effect, encode).
      const framed = await get(`q_90,e_brightness:0/${id}.${ext}`);
      expect(framed.status).toBe(200);
      const [s, f] = [await bytesOf(streamed), await bytesOf(framed)];
      expect(dims(s)).toBe(size);
      expect(dims(f)).toBe(size);
      // The transcode's libwebp keeps no token buffer (low_memory) and decides otherwise than the whole-frame encoder:
      // the two WebPs differ by 1.3 on average while each is 2.0 from the source (docs/engine.md "WebP output memory").
      expect(meanDiff(decode(s), decode(f)), ext).toBeLessThan(ext === 'webp' ? 2 : 1);
      expect(wasm).toBeGreaterThan(0);
      expect(wasm).toBeLessThanOrEqual(charged);
    }
  });

  it.each([2, 3, 4, 5, 7])('orientation %i turns like the whole-frame path', T, async (o) => {
    const id = uid(`eo${o}`);
    await storeImage(id, withOrientation(fixture('photo-1mp.jpg'), o));
    const s = await bytesOf(await get(`q_95/${id}.jpg`));
    const f = await bytesOf(await get(`q_95,e_brightness:0/${id}.jpg`));
    expect(dims(s)).toBe(o >= 5 ? '864x1152' : '1152x864');
    expect(meanDiff(decode(s), decode(f))).toBeLessThan(1);
  });

  it('delivers a 12 MP portrait at full size (it used to be refused above 6.5 MP), within what it was charged', T, async () => {
    const id = uid('ex12');
    await storeImage(id, withOrientation(fixture('photo-12mp.jpg'), 6));
    const res = await get(`q_80/${id}.jpg`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe('2592x4608');
    // 3 bytes per pixel for the frame, plus the output's room: far under the 96 MB pool.
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(64 * MB);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('refuses a 24 MP portrait at full size with a 400 naming the memory budget, and serves its thumbnail', T, async () => {
    const id = uid('ex24');
    await storeImage(id, withOrientation(fixture('photo-24mp.jpg'), 6));
    const res = await get(`q_80/${id}.jpg`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toContain('ENGINE_MEMORY_MB');
    expect(res.headers.get('x-cld-error')).toContain('turned (EXIF orientation 6)');
    await res.arrayBuffer();
    const thumb = await get(`c_fill,w_300,h_400/${id}.jpg`);
    expect(thumb.status).toBe(200);
    expect(dims(await bytesOf(thumb))).toBe('300x400');
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(16 * MB);
    expect(engineMemory().stats.open).toBe(0);
  });
});
