import type { CodecSession } from './runtime';

/**
 * Decoded RGBA pixels of a PNG or WebP source converted in place from their
 * embedded ICC profile to sRGB by the codec module (Little CMS, through the
 * transform cache JPEG rows use: wasm/shim/colour_rows.c), alpha untouched.
 * The image crosses into the module a strip at a time, so the module holds
 * one strip, the profile and the transform, never a second copy of the image.
 */

/** What a profile asks for: nothing (unusable, taken as sRGB as libvips does; or sRGB already), a matrix-shaper or a table-based transform. */
export type ProfileKind = 'unusable' | 'srgb' | 'matrixShaper' | 'tables';
const KINDS: readonly ProfileKind[] = ['unusable', 'srgb', 'matrixShaper', 'tables'];

/** Pixels converted per call into the module (1 MB of RGBA). */
export const ICC_STRIP_PIXELS = 256 * 1024;

export function profileKind(s: CodecSession, icc: Uint8Array): ProfileKind {
  const ptr = s.copyIn(icc);
  const kind = s.call((x) => x.icc_profile_kind(ptr, icc.length));
  s.release(ptr);
  return KINDS[kind] ?? 'unusable';
}

interface Rgba {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Converts `img` in place; false when the profile could not be used (the pixels are then as decoded). */
export function rgbaToSrgb(s: CodecSession, img: Rgba, icc: Uint8Array): boolean {
  const count = img.width * img.height;
  const profile = s.copyIn(icc);
  const strip = s.call((x) => x.alloc(Math.min(count, ICC_STRIP_PIXELS) * 4));
  let converted = true;
  for (let at = 0; at < count && converted; at += ICC_STRIP_PIXELS) {
    const n = Math.min(ICC_STRIP_PIXELS, count - at);
    const rows = img.data.subarray(at * 4, (at + n) * 4);
    converted = s.call((x) => {
      new Uint8Array(x.memory.buffer, strip, n * 4).set(rows);
      if (!x.icc_rows_to_srgb(profile, icc.length, strip, n, 4)) return false;
      // Building the transform may have grown the memory (a new buffer): view it afresh.
      rows.set(new Uint8Array(x.memory.buffer, strip, n * 4));
      return true;
    });
  }
  s.release(strip);
  s.release(profile);
  return converted;
}
