import decFactory from '@jsquash/avif/codec/dec/avif_dec.js';
import decWasm from '@jsquash/avif/codec/dec/avif_dec.wasm';
import encFactory from '@jsquash/avif/codec/enc/avif_enc.js';
import encWasm from '@jsquash/avif/codec/enc/avif_enc.wasm';
import { defaultOptions } from '@jsquash/avif/meta.js';
import { initEmscriptenModule } from '@jsquash/avif/utils.js';
import type { Raster } from '../raster';

/**
 * libavif with dav1d/aom (Squoosh's build, via @jsquash/avif), single
 * threaded. photon cannot read or write AVIF. Each half is loaded on first use.
 */
let decoder: ReturnType<typeof decFactory> | undefined;
let encoder: ReturnType<typeof encFactory> | undefined;

export async function decodeAvif(bytes: Uint8Array): Promise<Raster> {
  decoder ??= initEmscriptenModule(decFactory, decWasm);
  const m = await decoder;
  let out: ReturnType<typeof m.decode>;
  try {
    out = m.decode(bytes, 8);
  } catch (err) {
    // An Emscripten module that aborted stays aborted: the next call loads a fresh one.
    decoder = undefined;
    throw err;
  }
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
    throw err;
  }
  if (!out) throw new Error('AVIF encoding failed');
  return out;
}
