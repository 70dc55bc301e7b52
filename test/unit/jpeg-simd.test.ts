import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CodecSession, type Pixels } from '../../src/engine/codecs/runtime';
import { decodeJpeg } from '../../src/engine/codecs/jpeg/decode';
import { encodeJpeg } from '../../src/engine/codecs/jpeg/encode';
import { fixtureBytes } from '../support/fixtures';

/**
 * libjpeg-turbo's SIMD routines (wasm/shim/jsimd_wasm.c) must give exactly
 * what its scalar C gave: every decode (each sampling, progressive,
 * grayscale, CMYK, EXIF, at 1/1, 1/2, 1/4 and 1/8, RGB and RGBA) and every
 * encode (4:2:0 and 4:4:4, baseline and progressive, from RGB and RGBA) is
 * compared with the SHA-256 of the scalar build's output (jsimd_none.c),
 * recorded in jpeg-simd.checksums.json. JPEG_SIMD_RECORD=1 rewrites that
 * file from the module in the tree (do so only with a scalar build).
 */
const CompiledModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const wasm = new CompiledModule(readFileSync(new URL('../../src/engine/codecs/wasm/codecs.wasm', import.meta.url)));
const CHECKSUMS = new URL('./jpeg-simd.checksums.json', import.meta.url);
const RECORD = process.env.JPEG_SIMD_RECORD === '1';
const recorded: Record<string, string> = RECORD ? {} : (JSON.parse(readFileSync(CHECKSUMS, 'utf8')) as Record<string, string>);

const DECODED = [
  'photo-1mp.jpg',
  'photo-3mp-exif.jpg',
  'photo-12mp.jpg',
  'progressive.jpg',
  'grayscale.jpg',
  'cmyk.jpg',
  'adobergb-icc.jpg',
  'orientation-6.jpg',
  'face-cameraman.jpg',
  'sampling-422.jpg',
  'sampling-440.jpg',
  'sampling-444.jpg',
  'sampling-420-odd-progressive.jpg',
];
const SHRINKS = [1, 2, 4, 8] as const;
const RGBA_TOO = new Set(['photo-1mp.jpg', 'sampling-422.jpg', 'sampling-444.jpg', 'grayscale.jpg']);

/** Encoder inputs: decoded fixtures at a shrink that keeps the test quick. */
const ENCODED: [string, (typeof SHRINKS)[number]][] = [
  ['photo-1mp.jpg', 1],
  ['photo-12mp.jpg', 2],
  ['sampling-444.jpg', 1],
  ['sampling-420-odd-progressive.jpg', 1],
  ['grayscale.jpg', 1],
];
const ENCODINGS = [
  { name: 'q80', quality: 80, progressive: false },
  { name: 'q80-progressive', quality: 80, progressive: true },
  { name: 'q95', quality: 95, progressive: false },
  { name: 'q95-progressive', quality: 95, progressive: true },
];

/**
 * Synthetic RGBA images of awkward sizes (partial MCUs, one-pixel rows) whose
 * content drives the transforms to their extremes at quality 1: noise, a
 * two-pixel checkerboard and hard colour edges.
 */
type Kind = 'noise' | 'checker' | 'edges';
const SYNTHETIC: [string, number, number, Kind][] = [
  ['1x1 noise', 1, 1, 'noise'],
  ['2x3 checker', 2, 3, 'checker'],
  ['17x9 noise', 17, 9, 'noise'],
  ['33x31 checker', 33, 31, 'checker'],
  ['90x70 edges', 90, 70, 'edges'],
  ['61x45 noise', 61, 45, 'noise'],
];

function synthetic(width: number, height: number, kind: Kind): Uint8Array {
  let seed = width * 7919 + height;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) {
        const on = kind === 'checker' ? ((x >> 1) + (y >> 1) + c) % 2 === 1 : x < width / 2 === (c === 1);
        out[i + c] = kind === 'noise' ? random() : on ? 255 : 0;
      }
      out[i + 3] = 255;
    }
  }
  return out;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function decode(session: CodecSession, name: string, shrink: (typeof SHRINKS)[number], channels: 3 | 4): Pixels {
  return decodeJpeg(session, fixtureBytes(name), { shrink, channels, maxPixels: 50e6, maxWorkingBytes: 512 << 20 });
}

const pixelBytes = (session: CodecSession, p: Pixels) => session.copyOut(p.ptr, p.width * p.height * p.channels);

function expectRecorded(key: string, digest: string) {
  if (RECORD) recorded[key] = digest;
  else expect(digest, key).toBe(recorded[key]);
}

describe('libjpeg-turbo SIMD against its scalar C', () => {
  it.each(DECODED)(
    'decodes %s exactly as the scalar build at every shrink',
    (name) => {
      for (const shrink of SHRINKS) {
        for (const channels of RGBA_TOO.has(name) ? ([3, 4] as const) : ([3] as const)) {
          const session = new CodecSession(wasm);
          const p = decode(session, name, shrink, channels);
          expectRecorded(`decode ${name} 1/${shrink} ${channels}ch`, sha(pixelBytes(session, p)));
          session.drop();
        }
      }
    },
    120_000,
  );

  it.each(ENCODED)(
    'encodes %s (decoded at 1/%i) exactly as the scalar build',
    (name, shrink) => {
      for (const channels of [3, 4] as const) {
        const session = new CodecSession(wasm);
        const p = decode(session, name, shrink, channels);
        for (const e of ENCODINGS) {
          const bytes = encodeJpeg(session, p, e);
          expectRecorded(`encode ${name} 1/${shrink} ${channels}ch ${e.name}`, sha(bytes));
        }
        session.drop();
      }
    },
    120_000,
  );

  it.each(SYNTHETIC)(
    'encodes and decodes synthetic %s exactly as the scalar build',
    (name, width, height, kind) => {
      const session = new CodecSession(wasm);
      const rgba = synthetic(width, height, kind);
      const hash = createHash('sha256');
      for (const quality of [1, 50, 100]) {
        for (const progressive of [false, true]) {
          const jpeg = encodeJpeg(session, session.fromRgba(rgba, width, height), { quality, progressive });
          hash.update(jpeg);
          for (const shrink of SHRINKS) {
            for (const channels of [3, 4] as const) {
              const p = decodeJpeg(session, jpeg, { shrink, channels, maxPixels: 1e6, maxWorkingBytes: 64 << 20 });
              hash.update(pixelBytes(session, p));
              session.free(p);
            }
          }
        }
      }
      expectRecorded(`synthetic ${name}`, hash.digest('hex'));
      session.drop();
    },
    60_000,
  );

  it.runIf(RECORD)('records the checksums', () => {
    writeFileSync(CHECKSUMS, JSON.stringify(recorded, null, 2) + '\n');
  });
});
