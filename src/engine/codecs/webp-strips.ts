import { CodecError, CodecSession, type CodecExports } from './runtime';
import { STRIP_ROWS, type Measured, type Strips } from './strips';
import { workerdCodecModule } from './workerd-module';

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

export async function* webpStrips(input: Uint8Array, width: number, height: number, measured: Measured): Strips {
  const session = new CodecSession<WebpStripExports>(workerdCodecModule());
  try {
    const ptr = session.copyIn(input);
    const [w, h] = session.results(
      session.call((x) => x.webp_rows_decode_begin(ptr, input.length)),
      3,
    );
    if (w !== width || h !== height) throw new CodecError('the WebP frame differs from its header');
    const stride = w * 4;
    const strip = session.call((x) => x.alloc(STRIP_ROWS * stride));
    const out = new Uint8Array(STRIP_ROWS * stride);
    for (let y = 0; y < h;) {
      const n = session.call((x) => {
        const rows = x.webp_rows_decode_read(strip, STRIP_ROWS, stride);
        // A view made after the call: memory may have grown in it.
        out.set(new Uint8Array(x.memory.buffer, strip, rows * stride));
        return rows;
      });
      if (n === 0) throw new CodecError('the WebP data ends early');
      y += n;
      yield { data: out.subarray(0, n * stride), width: w, height: n };
    }
    session.call((x) => x.webp_rows_decode_end());
  } finally {
    measured.wasmBytes = session.peakMemoryBytes;
    session.drop();
  }
}
