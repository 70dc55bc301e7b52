import decFactory from '@jsquash/avif/codec/dec/avif_dec.js';
import decWasm from '@jsquash/avif/codec/dec/avif_dec.wasm';
import encFactory from '@jsquash/avif/codec/enc/avif_enc.js';
import encWasm from '@jsquash/avif/codec/enc/avif_enc.wasm';
import { defaultOptions } from '@jsquash/avif/meta.js';
import { initEmscriptenModule } from '@jsquash/avif/utils.js';
import type { Raster } from '../raster';
import { reportResident } from './resident';

/**
 * libavif with dav1d/aom (Squoosh's build, via @jsquash/avif), single
 * threaded. photon cannot read or write AVIF. Each half is loaded on first use.
 */
let decoder: ReturnType<typeof decFactory> | undefined;
let encoder: ReturnType<typeof encFactory> | undefined;

/**
 * A module whose memory grew past this is let go after use (its memory never
 * shrinks; 1600x900 leaves the encoder at about 54 MB): the next call loads a
 * fresh one from the compiled module, which costs a few milliseconds.
 */
const RETIRE_BYTES = 24 * 1024 * 1024;
const memoryOf = (m: unknown) => (m as { HEAPU8?: Uint8Array }).HEAPU8?.buffer.byteLength ?? 0;

/** Keeps a small module for the next call, drops a grown one; reports what stays. */
function settle(name: 'avif decoder' | 'avif encoder', m: unknown): boolean {
  const bytes = memoryOf(m);
  const keep = bytes <= RETIRE_BYTES;
  reportResident(name, keep ? bytes : 0, () => {
    if (name === 'avif decoder') decoder = undefined;
    else encoder = undefined;
  });
  return keep;
}

export async function decodeAvif(bytes: Uint8Array): Promise<Raster> {
  decoder ??= initEmscriptenModule(decFactory, decWasm);
  const m = await decoder;
  let out: ReturnType<typeof m.decode>;
  try {
    out = m.decode(bytes, 8);
  } catch (err) {
    // An Emscripten module that aborted stays aborted: the next call loads a fresh one.
    decoder = undefined;
    reportResident('avif decoder', 0, () => undefined);
    throw err;
  }
  if (!settle('avif decoder', m)) decoder = undefined;
  if (!out) throw new Error('AVIF decoding failed');
  return { data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength), width: out.width, height: out.height };
}

/** Speed 8 keeps a 400x300 encode to tens of milliseconds; lossless forces 4:4:4 at quality 100. */
export async function encodeAvif(img: Raster, quality: number, lossless: boolean): Promise<Uint8Array> {
  encoder ??= initEmscriptenModule(encFactory, encWasm);
  const m = await encoder;
  const options = lossless
    ? { ...defaultOptions, quality: 100, qualityAlpha: -1, subsample: 3, speed: 8, lossless: true }
    : { ...defaultOptions, quality, speed: 8 };
  let out: Uint8Array | null;
  try {
    out = m.encode(img.data, img.width, img.height, options);
  } catch (err) {
    encoder = undefined;
    reportResident('avif encoder', 0, () => undefined);
    throw err;
  }
  if (!settle('avif encoder', m)) encoder = undefined;
  if (!out) throw new Error('AVIF encoding failed');
  return out;
}
