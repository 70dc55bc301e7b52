import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { engineStats } from '../../src/engine/engine';
import { decodePngReduced } from '../../src/engine/codecs/png-rows';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, dims } from './support/images';

/**
 * PNG decoded in the codec module (zlib + wasm/shim/png_rows.c) inside
 * workerd: interlaced (Adam7) sources, which photon used to decode whole,
 * now go through the module with their RGBA frame charged; one too large for
 * the memory budget is a clear 400.
 */
const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 180_000 };
const MB = 1024 * 1024;

/** An interlaced RGBA header over an IDAT that holds one empty zlib stream (the request is refused before reading it). */
function interlacedHeader(width: number, height: number): Uint8Array {
  const b = new Uint8Array(8 + 25 + 12 + 8 + 12);
  const view = new DataView(b.buffer);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  view.setUint32(8, 13);
  b.set(new TextEncoder().encode('IHDR'), 12);
  view.setUint32(16, width);
  view.setUint32(20, height);
  b.set([8, 6, 0, 0, 1], 24);
  view.setUint32(33, 8);
  b.set(new TextEncoder().encode('IDAT'), 37);
  b.set([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01], 41);
  b.set(new TextEncoder().encode('IEND'), 57);
  return b;
}

describe('interlaced PNG in the codec module', () => {
  it('decodes an Adam7 file as photon does', T, async () => {
    const bytes = fixture('png/interlaced-1600x900.png');
    const ours = await decodePngReduced(bytes, 1);
    const photon = decode(bytes);
    expect([ours.width, ours.height]).toEqual([photon.width, photon.height]);
    expect(Buffer.from(ours.data).equals(Buffer.from(photon.data))).toBe(true);
  });

  it.each([
    ['c_fill,w_400,h_300', '400x300'],
    ['w_800', '800x450'],
    ['e_grayscale', '1600x900'],
  ])('delivers %s of an interlaced 1600x900 PNG, its frame charged', T, async (t, size) => {
    const id = uid('adam7');
    await storeImage(id, fixture('png/interlaced-1600x900.png'));
    const res = await get(`${t}/${id}.png`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe(size);
    // The module holds the whole RGBA frame while the passes come in.
    expect(engineStats.lastPeakBytes).toBeGreaterThanOrEqual(1600 * 900 * 4);
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('delivers a small interlaced palette PNG', T, async () => {
    const id = uid('adam7s');
    await storeImage(id, fixture('png/palette4-trns-adam7.png'));
    const res = await get(`w_10/${id}.png`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe('10x7');
  });

  it('refuses an interlaced PNG whose frame passes the memory budget with a 400 naming it', T, async () => {
    const id = uid('adam7big');
    await storeImage(id, interlacedHeader(12000, 12000));
    const res = await get(`w_100/${id}.jpg`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/Image too large for the memory budget: decoding 12000x12000 interlaced PNG/);
  });

  it('answers a corrupt interlaced stream with a 400 from the module', T, async () => {
    const id = uid('adam7bad');
    const bytes = fixture('png/interlaced-1600x900.png').slice();
    const at = Buffer.from(bytes).indexOf('IDAT') + 200;
    for (let i = 0; i < 256; i++) bytes[at + i] ^= 0x5a;
    await storeImage(id, bytes);
    const res = await get(`w_100/${id}.jpg`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/Invalid image file: the PNG data could not be decoded/);
  });
});
