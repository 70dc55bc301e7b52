import type { Raster } from '../raster';
import type { Color } from '../types';
import { CodecSession, type ModuleExports } from './runtime';
import { STRIP_ROWS, type Strips } from './strips';
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

/** The row encoder in its own session: strips of RGBA rows in, flattened onto `background` on the way. */
class JpegRowsWriter {
  private readonly session = new CodecSession<JpegRowsExports>(workerdHeifModule());
  private readonly strip: number;
  private readonly stride: number;

  constructor(width: number, height: number, quality: number) {
    this.stride = width * 4;
    const q = Math.max(1, Math.min(100, Math.round(quality)));
    this.session.call((x) => x.jpeg_rows_begin(width, height, q));
    this.strip = this.session.call((x) => x.alloc(STRIP_ROWS * this.stride));
  }

  /** Rows in `data` (any number: taken STRIP_ROWS at a time). */
  write(data: Uint8Array, background: Color): void {
    const { stride, strip } = this;
    const height = data.length / stride;
    for (let y = 0; y < height; y += STRIP_ROWS) {
      const rows = Math.min(STRIP_ROWS, height - y);
      this.session.call((x) => {
        // A view made now: the memory may have grown in the last call.
        const view = new Uint8Array(x.memory.buffer, strip, rows * stride);
        view.set(data.subarray(y * stride, (y + rows) * stride));
        flattenStrip(view, background);
        x.jpeg_rows_write(strip, rows, stride);
      });
    }
  }

  end(): RowsEncoded {
    this.session.release(this.strip);
    const [out, len] = this.session.results(
      this.session.call((x) => x.jpeg_rows_end()),
      2,
    );
    return { bytes: this.session.copyOut(out, len), peakMemoryBytes: this.session.peakMemoryBytes };
  }

  drop(): void {
    this.session.drop();
  }
}

export function encodeJpegRows(img: Raster, quality: number, background: Color): RowsEncoded {
  const writer = new JpegRowsWriter(img.width, img.height, quality);
  try {
    writer.write(img.data, background);
    return writer.end();
  } finally {
    writer.drop();
  }
}

/** The same from strips (./strips.ts): only the strip in hand and the growing output exist. */
export async function encodeJpegStrips(
  strips: Strips,
  width: number,
  height: number,
  quality: number,
  background: Color,
): Promise<RowsEncoded> {
  const writer = new JpegRowsWriter(width, height, quality);
  try {
    for await (const strip of strips) writer.write(strip.data, background);
    return writer.end();
  } finally {
    writer.drop();
  }
}
