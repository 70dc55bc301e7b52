import factory from '@jsquash/jpeg/codec/enc/mozjpeg_enc.js';
import wasm from '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm';
import { defaultOptions } from '@jsquash/jpeg/meta.js';
import { initEmscriptenModule } from '@jsquash/jpeg/utils.js';
import type { Raster } from '../raster';

/** MozJPEG (via @jsquash/jpeg) for progressive JPEG, which photon's encoder cannot write. Loaded on first use. */
let module: ReturnType<typeof factory> | undefined;

export async function encodeProgressiveJpeg(img: Raster, quality: number): Promise<Uint8Array> {
  module ??= initEmscriptenModule(factory, wasm);
  const m = await module;
  try {
    return m.encode(img.data, img.width, img.height, { ...defaultOptions, quality, progressive: true, baseline: false });
  } catch (err) {
    // An Emscripten module that aborted stays aborted: the next call loads a fresh one.
    module = undefined;
    throw err;
  }
}
