import type { Raster } from '../raster';

/**
 * An image as strips of RGBA rows, top to bottom (each a Raster a few rows
 * high, the image's full width), for same-size deliveries run strip by strip
 * (../stream-plan.ts `planStrips`): a row source yields them, point effects
 * map them, a row encoder takes them, so memory follows the width. A strip
 * may share its buffer with the next: use it before asking for the next.
 */
export type Strips = AsyncIterable<Raster>;

/** Rows per strip: a multiple of 2 (4:2:0 chroma pairs rows) and of libjpeg's 16-row iMCU. */
export const STRIP_ROWS = 16;

/** The codec module's memory high-water mark, filled in by a source or sink as it finishes. */
export interface Measured {
  wasmBytes: number;
}

/** A whole raster's strips, as views (no copy). */
export async function* rasterStrips(img: Raster, rows = STRIP_ROWS): Strips {
  const stride = img.width * 4;
  for (let y = 0; y < img.height; y += rows) {
    const n = Math.min(rows, img.height - y);
    yield { data: img.data.subarray(y * stride, (y + n) * stride), width: img.width, height: n };
  }
}

/** Single rows (one buffer reused, as png-rows.ts gives them) gathered into strips of `rows`. */
export async function* gatherRows(source: AsyncIterable<Uint8Array>, width: number, rows = STRIP_ROWS): Strips {
  const stride = width * 4;
  const strip = new Uint8Array(rows * stride);
  let n = 0;
  for await (const row of source) {
    strip.set(row.subarray(0, stride), n * stride);
    if (++n === rows) {
      yield { data: strip, width, height: n };
      n = 0;
    }
  }
  if (n) yield { data: strip.subarray(0, n * stride), width, height: n };
}
