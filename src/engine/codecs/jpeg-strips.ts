import { rowDecoderStrips } from './row-decoder';
import type { CodecExports } from './runtime';
import type { Measured, Strips } from './strips';

/**
 * A JPEG decoded at full size a strip of rows at a time
 * (wasm/shim/jpeg_rows_decode.c), converted to sRGB row by row as every
 * decode of the module is: the module holds the file, libjpeg's working
 * memory (a progressive file's coefficients, capped by `maxWorkingBytes`,
 * which the caller charged) and one strip of RGBA rows.
 */
interface JpegStripExports extends CodecExports {
  jpeg_rows_decode_begin(ptr: number, len: number, maxMemory: number): number;
  jpeg_rows_decode_read(dest: number, max: number, stride: number): number;
  jpeg_rows_decode_end(): void;
}

export function jpegStrips(input: Uint8Array, width: number, height: number, maxWorkingBytes: number, measured: Measured): Strips {
  const decoder = {
    format: 'JPEG',
    begin: (x: JpegStripExports, ptr: number, len: number) => x.jpeg_rows_decode_begin(ptr, len, maxWorkingBytes),
    read: (x: JpegStripExports, dest: number, max: number, stride: number) => x.jpeg_rows_decode_read(dest, max, stride),
    end: (x: JpegStripExports) => x.jpeg_rows_decode_end(),
  };
  return rowDecoderStrips(decoder, input, width, height, measured);
}
