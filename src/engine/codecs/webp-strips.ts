import { rowDecoderStrips } from './row-decoder';
import type { CodecExports } from './runtime';
import type { Measured, Strips } from './strips';

/**
 * A lossy WebP decoded at full size a strip of rows at a time
 * (wasm/shim/webp_rows_decode.c): libwebp's VP8 frame loop driven one
 * macroblock row at a time, its rows upsampled to RGBA as its own RGBA output
 * is, so the pixels equal a whole decode's. The module holds the file, the
 * decoder's per-row state, one macroblock row of RGBA and the strip (and an
 * ALPH chunk's alpha plane, 1 byte per pixel).
 */
interface WebpStripExports extends CodecExports {
  webp_rows_decode_begin(ptr: number, len: number): number;
  webp_rows_decode_read(dest: number, max: number, stride: number): number;
  webp_rows_decode_end(): void;
}

const WEBP_ROWS = {
  format: 'WebP',
  begin: (x: WebpStripExports, ptr: number, len: number) => x.webp_rows_decode_begin(ptr, len),
  read: (x: WebpStripExports, dest: number, max: number, stride: number) => x.webp_rows_decode_read(dest, max, stride),
  end: (x: WebpStripExports) => x.webp_rows_decode_end(),
};

export function webpStrips(input: Uint8Array, width: number, height: number, measured: Measured): Strips {
  return rowDecoderStrips(WEBP_ROWS, input, width, height, measured);
}
