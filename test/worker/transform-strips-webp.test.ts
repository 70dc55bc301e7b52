import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { engineStats } from '../../src/engine/engine';
import { decodePngReduced } from '../../src/engine/codecs/png-rows';
import { fixture, storeImage, uid } from './support/fixtures';
import { dims, meanDiff } from './support/images';
import { stillLossyWebp } from '../../src/engine/codecs/webp/still-lossy';
import { riffChunks, riffFile, vp8x } from '../../src/engine/codecs/webp/container';
import type { Raster } from '../../src/engine/raster';
import { RASTER_BYTES, STREAM_FIXED_BYTES, WEBP_ROWS_DECODE_ROW_BYTES } from '../../src/engine/costs';
import { STRIP_ROWS } from '../../src/engine/codecs/strips';

const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 300_000 };
const MB = 1024 * 1024;

/** What strip-run.ts charges for the WebP row decoder (the strip in JS included). */
const decoderCharge = (webp: Uint8Array, width: number, alpha: boolean) =>
  webp.length +
  STREAM_FIXED_BYTES +
  width * WEBP_ROWS_DECODE_ROW_BYTES +
  (alpha ? 2 * width * 1125 : 0) +
  2 * width * STRIP_ROWS * RASTER_BYTES;

/** VP8X's flag for an ICCP chunk. */
const VP8X_ICC = 0x20;

const putU32le = (b: Uint8Array, o: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(o, v, true);

/** A simple-format lossy WebP cut to `keep` bytes, its RIFF and VP8 chunk sizes rewritten so that the container looks whole. */
function truncatedWebp(webp: Uint8Array, keep: number): Uint8Array {
  const b = webp.slice(0, keep);
  putU32le(b, 4, keep - 8);
  putU32le(b, 16, keep - 20);
  return b;
}

describe('lossy WebP as a strip source', () => {
  it('delivers f_jpg of a 16.8 MP lossy WebP at full size within 48 MB, the module measured under the charge', T, async () => {
    const id = uid('wj');
    await storeImage(id, fixture('large-4096.webp'));
    const res = await get(`f_jpg/${id}`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(dims(await bytesOf(res))).toBe('4096x4096');
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
    expect(engineStats.lastStreamWasmBytes).toBeGreaterThan(0);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('delivers e_grayscale of a 16.8 MP lossy WebP at full size (JPEG within 48 MB, WebP within the budget)', T, async () => {
    const id = uid('wg');
    await storeImage(id, fixture('large-4096.webp'));
    const jpg = await get(`e_grayscale/${id}.jpg`);
    expect(jpg.status, jpg.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(jpg))).toBe('4096x4096');
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
    const webp = await get(`e_grayscale/${id}`);
    expect(webp.status, webp.headers.get('x-cld-error') ?? '').toBe(200);
    expect(webp.headers.get('content-type')).toBe('image/webp');
    expect(dims(await bytesOf(webp))).toBe('4096x4096');
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(96 * MB);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('gives the same pixels as the whole-frame decode (odd width and height)', T, async () => {
    // A 2.25 MP lossy WebP (above the strip threshold, small enough for the whole frame).
    const src = uid('wsrc');
    await storeImage(src, fixture('photo-24mp.jpg'));
    const made = await get(`f_webp,q_80,w_2001,h_1125,c_scale/${src}`);
    expect(made.status).toBe(200);
    const webp = await bytesOf(made);
    const id = uid('wp');
    await storeImage(id, webp);
    const strips = await get(`f_png/${id}`);
    expect(strips.status, strips.headers.get('x-cld-error') ?? '').toBe(200);
    const s = await decodePngReduced(await bytesOf(strips), 1);
    expect([s.width, s.height]).toEqual([2001, 1125]);
    const stripPeak = engineStats.lastPeakBytes;
    // PNG is written in JS: the WASM measured is the row decoder's alone.
    expect(engineStats.lastStreamWasmBytes).toBeGreaterThan(0);
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(decoderCharge(webp, 2001, false));
    // a_0 is not a point step: the same pixels through the whole frame.
    const framed = await get(`f_png,a_0/${id}`);
    expect(framed.status).toBe(200);
    const f = await decodePngReduced(await bytesOf(framed), 1);
    expect([s.width, s.height]).toEqual([f.width, f.height]);
    expect(meanDiff(s, f)).toBe(0);
    expect(stripPeak).toBeLessThan(engineStats.lastPeakBytes);
  });

  it('keeps the transparency of an ALPH chunk, the same pixels and alpha as the whole-frame decode', T, async () => {
    const src = uid('wasrc');
    await storeImage(src, fixture('photo-24mp.jpg'));
    const made = await get(`f_webp,q_80,w_2000,o_60/${src}`);
    expect(made.status).toBe(200);
    const webp = await bytesOf(made);
    expect(stillLossyWebp(webp)).toEqual({ alpha: true });
    const id = uid('wa');
    await storeImage(id, webp);
    const strips = await get(`f_png/${id}`);
    expect(strips.status, strips.headers.get('x-cld-error') ?? '').toBe(200);
    const s = await decodePngReduced(await bytesOf(strips), 1);
    const stripPeak = engineStats.lastPeakBytes;
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(decoderCharge(webp, 2000, true));
    const framed = await get(`f_png,a_0/${id}`);
    expect(framed.status).toBe(200);
    const f = await decodePngReduced(await bytesOf(framed), 1);
    expect(meanDiff(s, f)).toBe(0);
    const alphaOf = (r: Raster) => r.data.filter((_, i) => i % 4 === 3);
    expect(alphaOf(s)).toEqual(alphaOf(f));
    expect(Math.max(...alphaOf(s).subarray(0, 4096))).toBeLessThan(255);
    expect(stripPeak).toBeLessThan(engineStats.lastPeakBytes);
    // A JPEG output flattens the alpha onto the background: the decoder still holds the alpha plane, and is charged for it.
    const jpg = await get(`f_jpg,q_80/${id}`);
    expect(jpg.status, jpg.headers.get('x-cld-error') ?? '').toBe(200);
    expect(engineStats.lastPeakBytes).toBeGreaterThanOrEqual(decoderCharge(webp, 2000, true));
    expect(engineStats.lastStreamWasmBytes).toBeLessThanOrEqual(engineStats.lastPeakBytes);
  });

  it('converts an embedded ICC profile strip by strip as the whole-frame decode does', T, async () => {
    const src = uid('wisrc');
    await storeImage(src, fixture('photo-24mp.jpg'));
    const made = await get(`f_webp,q_80,w_2000/${src}`);
    expect(made.status).toBe(200);
    const plain = await bytesOf(made);
    // The same picture tagged Adobe RGB: adobergb-icc.webp's ICCP chunk in a VP8X file around its VP8 chunk.
    const iccp = riffChunks(fixture('adobergb-icc.webp')).find((c) => c.tag === 'ICCP');
    const vp8 = riffChunks(plain).find((c) => c.tag === 'VP8 ');
    expect(iccp && vp8).toBeTruthy();
    const tagged = riffFile([vp8x(VP8X_ICC, 2000, 1125), iccp!.bytes, vp8!.bytes]);
    const id = uid('wi');
    await storeImage(id, tagged);
    const strips = await get(`f_png/${id}`);
    expect(strips.status, strips.headers.get('x-cld-error') ?? '').toBe(200);
    expect(engineStats.lastSourceProfile).not.toBe('');
    const stripPeak = engineStats.lastPeakBytes;
    const s = await decodePngReduced(await bytesOf(strips), 1);
    const framed = await get(`f_png,a_0/${id}`);
    expect(framed.status).toBe(200);
    const f = await decodePngReduced(await bytesOf(framed), 1);
    expect(stripPeak).toBeLessThan(engineStats.lastPeakBytes);
    expect(meanDiff(s, f)).toBe(0);
    // Converted: not the untagged picture's pixels.
    const untagged = uid('wu');
    await storeImage(untagged, plain);
    const u = await decodePngReduced(await bytesOf(await get(`f_png/${untagged}`)), 1);
    expect(meanDiff(s, u)).toBeGreaterThan(0.5);
  });

  it('answers a truncated lossy WebP with a 400, and the next request works', T, async () => {
    const webp = fixture('large-4096.webp');
    const bad = uid('wt');
    await storeImage(bad, truncatedWebp(webp, Math.floor(webp.length * 0.6)));
    const res = await get(`f_jpg/${bad}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error') ?? '').toMatch(/WEBP/i);
    const good = uid('wok');
    await storeImage(good, webp);
    const ok = await get(`f_jpg/${good}`);
    expect(ok.status, ok.headers.get('x-cld-error') ?? '').toBe(200);
    expect(engineMemory().stats.open).toBe(0);
  });
});
