import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodePngIn, pngEncodeBytes, type PngEncodeExports } from '../../src/engine/codecs/png-encode';
import { CodecSession } from '../../src/engine/codecs/runtime';
import { rasterStrips } from '../../src/engine/codecs/strips';
import type { Raster } from '../../src/engine/raster';

/**
 * The PNG row encoder of the codec module (zlib's deflate + wasm/shim/png_encode.c):
 * RGB and RGBA images of awkward sizes round-trip through libspng (sharp)
 * pixel for pixel, whether the output is gathered in pieces or written into
 * one preallocated IDAT, and the module's memory stays within what the
 * encoder charged for it.
 */
const CompiledModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const wasm = new CompiledModule(readFileSync(new URL('../../src/engine/codecs/wasm/codecs.wasm', import.meta.url)));
/** The module's linear memory before any call (`--initial-memory` in scripts/build-wasm.sh). */
const INITIAL_BYTES = 2 * 1024 * 1024;

/** A deterministic pseudo-random generator (xorshift32): noise deflate cannot shrink fills the module's output buffer. */
function noise(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) & 255;
  };
}

function raster(width: number, height: number, alpha: boolean, kind: 'smooth' | 'noise'): Raster {
  const data = new Uint8Array(width * height * 4);
  const next = noise(width * 31 + height);
  for (let y = 0, i = 0; y < height; y++)
    for (let x = 0; x < width; x++, i += 4) {
      if (kind === 'noise') data.set([next(), next(), next(), alpha ? next() : 255], i);
      else data.set([(x * 7 + y) & 255, (y * 13) & 255, (x ^ y) & 255, alpha ? (x + 2 * y) & 255 : 255], i);
    }
  return { data, width, height };
}

async function encode(img: Raster, channels: 3 | 4, preallocate = false, ancillary = new Uint8Array(), rows = 16) {
  const session = new CodecSession<PngEncodeExports>(wasm);
  const charges: number[] = [];
  try {
    const bytes = await encodePngIn(
      session,
      rasterStrips(img, rows),
      img.width,
      img.height,
      channels,
      (n) => charges.push(n),
      preallocate,
      ancillary,
    );
    return { bytes, peak: session.peakMemoryBytes, charges };
  } finally {
    session.drop();
  }
}

async function pixels(png: Uint8Array): Promise<{ data: Uint8Array; channels: number; width: number; height: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), channels: info.channels, width: info.width, height: info.height };
}

/** The raster's samples as the PNG should hold them (alpha dropped when the image is RGB). */
function expected(img: Raster, channels: 3 | 4): Uint8Array {
  if (channels === 4) return img.data;
  const out = new Uint8Array(img.width * img.height * 3);
  for (let i = 0, o = 0; i < img.data.length; i += 4, o += 3) out.set(img.data.subarray(i, i + 3), o);
  return out;
}

function differing(a: Uint8Array, b: Uint8Array): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

const SIZES: [number, number][] = [
  [1, 1],
  [1, 37],
  [37, 1],
  [3, 5],
  [17, 13],
  [301, 77],
  [1001, 33],
];

describe('PNG encoded in the codec module', () => {
  for (const channels of [3, 4] as const)
    for (const kind of ['smooth', 'noise'] as const)
      it.each(SIZES)(`round-trips ${kind} ${channels === 3 ? 'RGB' : 'RGBA'} %ix%i through sharp exactly`, async (w, h) => {
        const img = raster(w, h, channels === 4, kind);
        for (const preallocate of [false, true]) {
          const { bytes } = await encode(img, channels, preallocate);
          expect(bytes[25]).toBe(channels === 4 ? 6 : 2);
          const back = await pixels(bytes);
          expect([back.width, back.height, back.channels]).toEqual([w, h, channels]);
          expect(differing(back.data, expected(img, channels))).toBe(0);
        }
      });

  it('takes strips of any height, more rows than the module takes at once included', async () => {
    const img = raster(123, 101, true, 'smooth');
    for (const rows of [1, 7, 16, 50, 101]) {
      const back = await pixels((await encode(img, 4, false, new Uint8Array(), rows)).bytes);
      expect(differing(back.data, img.data)).toBe(0);
    }
  });

  it('writes the ancillary chunks after IHDR in the preallocated file', async () => {
    const text = Buffer.from('Comment\0made in the module');
    const chunk = Buffer.alloc(12 + text.length);
    chunk.writeUInt32BE(text.length);
    chunk.write('tEXt', 4, 'ascii');
    text.copy(chunk, 8);
    chunk.writeUInt32BE(0, 8 + text.length);
    const img = raster(64, 48, false, 'smooth');
    const { bytes } = await encode(img, 3, true, new Uint8Array(chunk));
    expect(Buffer.from(bytes.subarray(33 + 4, 33 + 8)).toString('ascii')).toBe('tEXt');
    expect(differing((await pixels(bytes)).data, expected(img, 3))).toBe(0);
  });

  it('stays within the memory charged for the module, wide and incompressible', async () => {
    for (const [w, channels] of [
      [4000, 3],
      [2500, 4],
      [64, 4],
    ] as const) {
      const img = raster(w, 40, channels === 4, 'noise');
      // encodePngStrips charges pngEncodeBytes before it opens the session; the pieces of output are charged as they come.
      const { bytes, peak } = await encode(img, channels);
      expect(peak - INITIAL_BYTES).toBeLessThanOrEqual(pngEncodeBytes(w, channels));
      expect(differing((await pixels(bytes)).data, expected(img, channels))).toBe(0);
    }
  });

  it('rejects more rows than the header says, and fewer', async () => {
    const img = raster(10, 10, false, 'smooth');
    const session = new CodecSession<PngEncodeExports>(wasm);
    await expect(encodePngIn(session, rasterStrips(img), 10, 9, 3, () => undefined, false, new Uint8Array())).rejects.toThrow(/rows/);
    await expect(encodePngIn(session, rasterStrips(img), 10, 11, 3, () => undefined, false, new Uint8Array())).rejects.toThrow(/rows/);
    session.drop();
  });
});
