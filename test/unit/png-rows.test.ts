import { readdirSync, readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BoxReducer } from '../../src/engine/codecs/box-reduce';
import { decodePngIn, pngDecodeBytes, pngHeader, type PngRowsExports } from '../../src/engine/codecs/png-rows';
import { CodecSession } from '../../src/engine/codecs/runtime';
import type { Raster } from '../../src/engine/raster';
import { fixtureBytes } from '../support/fixtures';

/**
 * The PNG row reader of the codec module (zlib + wasm/shim/png_rows.c) against
 * libspng through sharp, on every colour type, bit depth and tRNS layout,
 * plain and Adam7-interlaced (test/fixtures/png/, made by make-png-variants.mjs),
 * and on the repository's PNG fixtures; its box reduction against the JS
 * BoxReducer; hostile and broken streams.
 */
const CompiledModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const wasm = new CompiledModule(readFileSync(new URL('../../src/engine/codecs/wasm/codecs.wasm', import.meta.url)));
const session = () => new CodecSession<PngRowsExports>(wasm);
const decode = (bytes: Uint8Array, shrink = 1, s = session()) => decodePngIn(s, bytes, shrink);

const VARIANTS = readdirSync(new URL('../fixtures/png/', import.meta.url)).filter((f) => f.endsWith('.png'));
const FIXTURES = ['alpha.png', 'palette.png', 'palette-trns.png', 'rgb16.png', 'screenshot-4k.png'];

/** A minimal PNG (no CRCs checked by the reader) around an IDAT stream. */
function png(h: { width: number; height: number; depth: number; colorType: number }, idat: Uint8Array): Uint8Array {
  const chunk = (type: string, body: Uint8Array) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length);
    head.write(type, 4, 'ascii');
    return Buffer.concat([head, body, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(h.width);
  ihdr.writeUInt32BE(h.height, 4);
  ihdr[8] = h.depth;
  ihdr[9] = h.colorType;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

async function reference(bytes: Uint8Array): Promise<Raster> {
  const { data, info } = await sharp(bytes).ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(4);
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** The largest difference of any sample (colour under full transparency ignored: nobody can see it). */
function maxDiff(a: Raster, b: Raster): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let max = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const n = a.data[i + 3] === 0 && b.data[i + 3] === 0 ? 3 : 0;
    for (let c = n; c < 4; c++) max = Math.max(max, Math.abs(a.data[i + c] - b.data[i + c]));
  }
  return max;
}

function boxReduced(full: Raster, shrink: number): Raster {
  const r = new BoxReducer(full.width, full.height, shrink);
  for (let y = 0; y < full.height; y++) r.add(full.data.subarray(y * full.width * 4, (y + 1) * full.width * 4));
  r.flush();
  return r.out;
}

describe('PNG rows in the codec module', () => {
  it.each(VARIANTS)('decodes %s as libspng does', async (file) => {
    const bytes = fixtureBytes(`png/${file}`);
    const ours = decode(bytes);
    // 8-bit and smaller samples are exact; 16-bit ones keep their high byte where libvips rounds.
    expect(maxDiff(ours, await reference(bytes))).toBeLessThanOrEqual(pngHeader(bytes)?.bitDepth === 16 ? 1 : 0);
  });

  it.each(FIXTURES)('decodes the fixture %s as libspng does', async (file) => {
    const bytes = fixtureBytes(file);
    expect(maxDiff(decode(bytes), await reference(bytes))).toBeLessThanOrEqual(pngHeader(bytes)?.bitDepth === 16 ? 1 : 0);
  });

  it('reads an interlaced file as its plain twin, pixel for pixel', () => {
    for (const name of ['grey1', 'grey16', 'rgb8-trns', 'palette4-trns', 'grey-alpha8', 'rgba16']) {
      const plain = decode(fixtureBytes(`png/${name}.png`));
      const adam7 = decode(fixtureBytes(`png/${name}-adam7.png`));
      expect(Buffer.from(adam7.data).equals(Buffer.from(plain.data)), name).toBe(true);
    }
  });

  it.each([
    ['alpha.png', 3],
    ['alpha.png', 4],
    ['palette-trns.png', 5],
    ['png/rgba16-adam7.png', 4],
    ['screenshot-4k.png', 4],
    ['png/interlaced-1600x900.png', 7],
  ])('box-reduces %s by %i as the JS reducer does', (file, shrink) => {
    const bytes = fixtureBytes(file);
    const full = decode(bytes);
    const reduced = decode(bytes, shrink);
    const expected = boxReduced(full, shrink);
    expect([reduced.width, reduced.height]).toEqual([expected.width, expected.height]);
    expect(Buffer.from(reduced.data).equals(Buffer.from(expected.data))).toBe(true);
  });

  it('stays within what the engine charges for it', () => {
    for (const [file, shrink] of [
      ['screenshot-4k.png', 4],
      ['screenshot-4k.png', 1],
      ['png/interlaced-1600x900.png', 2],
    ] as const) {
      const bytes = fixtureBytes(file);
      const s = session();
      decode(bytes, shrink, s);
      const header = pngHeader(bytes);
      if (!header) throw new Error('no header');
      expect(s.peakMemoryBytes, `${file} at 1/${shrink}`).toBeLessThanOrEqual(pngDecodeBytes(header, shrink));
    }
  });

  it('answers a truncated stream with a 400 and drops the instance', () => {
    const bytes = fixtureBytes('screenshot-4k.png');
    const s = session();
    expect(() => decode(bytes.subarray(0, bytes.length >> 1), 4, s)).toThrow(/PNG data ends early/);
    expect(s.live).toBe(false);
  });

  it('answers a corrupt stream with a 400 and drops the instance', () => {
    const bytes = new Uint8Array(fixtureBytes('alpha.png'));
    // Flip bytes inside the first IDAT's compressed data.
    const at = Buffer.from(bytes).indexOf('IDAT') + 40;
    for (let i = 0; i < 64; i++) bytes[at + i] ^= 0x5a;
    const s = session();
    let error: unknown;
    try {
      decode(bytes, 1, s);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'CldError', status: 400 });
    expect(s.live).toBe(false);
  });

  it('reads no further than the header says: a stream inflating far past its rows stops at the last one', () => {
    // An 8x8 grey header over 64 MB of zero rows (64 KB deflated): the work budget is charged for the header's rows.
    const idat = deflateSync(Buffer.alloc(64 << 20));
    const bytes = png({ width: 8, height: 8, depth: 8, colorType: 0 }, idat);
    const s = session();
    const img = decode(bytes, 1, s);
    expect([img.width, img.height]).toEqual([8, 8]);
    expect(s.peakMemoryBytes).toBeLessThan(8 << 20);
  });

  it('answers a header the format does not allow with a 400', () => {
    expect(() => decode(png({ width: 8, height: 8, depth: 16, colorType: 3 }, deflateSync(Buffer.alloc(72))))).toThrow(/PNG header/);
  });
});
