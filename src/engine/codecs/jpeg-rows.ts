import type { Raster } from '../raster';
import type { Color } from '../types';
import { CodecSession, type ModuleExports } from './runtime';
import { workerdHeifModule } from './workerd-module';

/**
 * A baseline JPEG written from the engine's JS raster a strip at a time
 * (libjpeg-turbo's row encoder in heif.wasm, wasm/heif/jpeg_rows.c): only a
 * strip of RGBA rows and the growing output live in WASM memory, never an
 * RGBA copy of the frame or its flattened copy. Standard Huffman tables and
 * 4:2:0 chroma: optimised tables would keep every coefficient of the image.
 */
interface JpegRowsExports extends ModuleExports {
  jpeg_rows_begin(width: number, height: number, quality: number): void;
  jpeg_rows_write(ptr: number, rows: number, stride: number): void;
  jpeg_rows_end(): number;
}

const STRIP_ROWS = 16;

export interface RowsEncoded {
  bytes: Uint8Array;
  /** The module's linear memory at its largest during the call. */
  peakMemoryBytes: number;
}

/** Composites a strip of RGBA rows onto an opaque background in place (what `flatten` does for the whole frame). */
function flattenStrip(rows: Uint8Array, bg: Color): void {
  for (let i = 0; i < rows.length; i += 4) {
    const a = rows[i + 3];
    if (a === 255) continue;
    const rest = 255 - a;
    rows[i] = Math.round((rows[i] * a + bg.r * rest) / 255);
    rows[i + 1] = Math.round((rows[i + 1] * a + bg.g * rest) / 255);
    rows[i + 2] = Math.round((rows[i + 2] * a + bg.b * rest) / 255);
    rows[i + 3] = 255;
  }
}

export function encodeJpegRows(img: Raster, quality: number, background: Color): RowsEncoded {
  const session = new CodecSession<JpegRowsExports>(workerdHeifModule());
  try {
    const { width, height, data } = img;
    const stride = width * 4;
    const q = Math.max(1, Math.min(100, Math.round(quality)));
    session.call((x) => x.jpeg_rows_begin(width, height, q));
    const strip = session.call((x) => x.alloc(STRIP_ROWS * stride));
    for (let y = 0; y < height; y += STRIP_ROWS) {
      const rows = Math.min(STRIP_ROWS, height - y);
      session.call((x) => {
        // A view made now: the memory may have grown in the last call.
        const view = new Uint8Array(x.memory.buffer, strip, rows * stride);
        view.set(data.subarray(y * stride, (y + rows) * stride));
        flattenStrip(view, background);
        x.jpeg_rows_write(strip, rows, stride);
      });
    }
    session.release(strip);
    const [out, len] = session.results(
      session.call((x) => x.jpeg_rows_end()),
      2,
    );
    return { bytes: session.copyOut(out, len), peakMemoryBytes: session.peakMemoryBytes };
  } finally {
    session.drop();
  }
}
