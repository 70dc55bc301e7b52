import factory from '@jsquash/webp/codec/enc/webp_enc_simd.js';
import wasm from '@jsquash/webp/codec/enc/webp_enc_simd.wasm';
import { defaultOptions } from '@jsquash/webp/meta.js';
import { initEmscriptenModule } from '@jsquash/webp/utils.js';
import type { Raster } from '../raster';

/** libwebp (Squoosh's build, via @jsquash/webp): lossy and lossless WebP. Loaded on first use only. */
let module: ReturnType<typeof factory> | undefined;

export async function encodeWebp(img: Raster, quality: number, lossless: boolean): Promise<Uint8Array> {
  module ??= initEmscriptenModule(factory, wasm);
  const m = await module;
  let out: Uint8Array | null;
  try {
    out = m.encode(img.data, img.width, img.height, { ...defaultOptions, quality, lossless: lossless ? 1 : 0, exact: lossless ? 1 : 0 });
  } catch (err) {
    // An Emscripten module that aborted stays aborted: the next call loads a fresh one.
    module = undefined;
    throw err;
  }
  if (!out) throw new Error('WebP encoding failed');
  return out;
}
