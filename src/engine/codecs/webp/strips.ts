import { webpLowMemory } from '../../costs';
import { CodecSession, type CodecExports } from '../runtime';
import type { Measured, Strips } from '../strips';
import { workerdCodecModule } from '../workerd-module';

/**
 * Lossy WebP from strips of RGBA rows (wasm/shim/webp_rows_encode.c): libwebp
 * encodes from a whole YUV 4:2:0 picture, so that picture (1.5 bytes per
 * pixel, 2.5 with an alpha plane) is filled strip by strip and the RGBA
 * frame never exists. Strips must have an even number of rows but the last
 * (./strips.ts STRIP_ROWS, or a HEIC tile row). Same settings as encode.ts.
 */
interface WebpStripExports extends CodecExports {
  webp_rows_begin(width: number, height: number, quality: number, alpha: number, lowMemory: number): void;
  webp_rows_write(ptr: number, rows: number, stride: number): void;
  webp_rows_end(): number;
}

export async function encodeWebpStrips(
  strips: Strips,
  width: number,
  height: number,
  quality: number,
  alpha: boolean,
  measured: Measured,
): Promise<Uint8Array> {
  const session = new CodecSession<WebpStripExports>(workerdCodecModule());
  try {
    const q = Math.max(0, Math.min(100, quality));
    const lowMemory = webpLowMemory(width * height) ? 1 : 0;
    session.call((x) => x.webp_rows_begin(width, height, q, alpha ? 1 : 0, lowMemory));
    const stride = width * 4;
    let ptr = 0;
    let room = 0;
    for await (const strip of strips) {
      if (strip.data.length > room) {
        session.release(ptr);
        room = strip.data.length;
        ptr = session.call((x) => x.alloc(room));
      }
      session.call((x) => {
        new Uint8Array(x.memory.buffer, ptr, strip.data.length).set(strip.data);
        x.webp_rows_write(ptr, strip.height, stride);
      });
    }
    session.release(ptr);
    const [out, len] = session.results(
      session.call((x) => x.webp_rows_end()),
      2,
    );
    return session.copyOut(out, len);
  } finally {
    measured.wasmBytes = session.peakMemoryBytes;
    session.drop();
  }
}
