import { CodecError, CodecSession, type CodecExports } from './runtime';
import { STRIP_ROWS, type Measured, type Strips } from './strips';
import { workerdCodecModule } from './workerd-module';

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

export async function* jpegStrips(input: Uint8Array, width: number, height: number, maxWorkingBytes: number, measured: Measured): Strips {
  const session = new CodecSession<JpegStripExports>(workerdCodecModule());
  try {
    const ptr = session.copyIn(input);
    const [w, h] = session.results(
      session.call((x) => x.jpeg_rows_decode_begin(ptr, input.length, maxWorkingBytes)),
      2,
    );
    if (w !== width || h !== height) throw new CodecError('the JPEG frame differs from its header');
    const stride = w * 4;
    const strip = session.call((x) => x.alloc(STRIP_ROWS * stride));
    const out = new Uint8Array(STRIP_ROWS * stride);
    for (let y = 0; y < h;) {
      const n = session.call((x) => {
        const rows = x.jpeg_rows_decode_read(strip, STRIP_ROWS, stride);
        // A view made after the call: memory may have grown in it.
        out.set(new Uint8Array(x.memory.buffer, strip, rows * stride));
        return rows;
      });
      if (n === 0) throw new CodecError('the JPEG data ends early');
      y += n;
      yield { data: out.subarray(0, n * stride), width: w, height: n };
    }
    session.call((x) => x.jpeg_rows_decode_end());
  } finally {
    measured.wasmBytes = session.peakMemoryBytes;
    session.drop();
  }
}
