import { CodecError, CodecSession, type CodecExports } from './runtime';
import { STRIP_ROWS, type Measured, type Strips } from './strips';
import { workerdCodecModule } from './workerd-module';

/**
 * A full-size decoder of the codec module that hands its rows over a strip at
 * a time (wasm/shim/jpeg_rows_decode.c, webp_rows_decode.c): opened on the
 * file copied into the module, read until the frame is done, closed.
 */
export interface RowDecoder<X extends CodecExports> {
  /** The format's name in errors. */
  format: string;
  /** Opens the file at `ptr`; answers a pointer to the frame's width and height. */
  begin(x: X, ptr: number, len: number): number;
  /** Writes up to `max` RGBA rows at `dest`; answers how many (0: the data ended). */
  read(x: X, dest: number, max: number, stride: number): number;
  end(x: X): void;
}

/**
 * The frame's strips of STRIP_ROWS RGBA rows, copied out of the module (one
 * JS buffer, reused: use a strip before asking for the next). The module
 * holds the file, the decoder's working memory and one strip; `measured`
 * gets its high-water mark, however the strips end.
 */
export async function* rowDecoderStrips<X extends CodecExports>(
  decoder: RowDecoder<X>,
  input: Uint8Array,
  width: number,
  height: number,
  measured: Measured,
): Strips {
  const session = new CodecSession<X>(workerdCodecModule());
  try {
    const ptr = session.copyIn(input);
    const [w, h] = session.results(
      session.call((x) => decoder.begin(x, ptr, input.length)),
      2,
    );
    if (w !== width || h !== height) throw new CodecError(`the ${decoder.format} frame differs from its header`);
    const stride = w * 4;
    const strip = session.call((x) => x.alloc(STRIP_ROWS * stride));
    const out = new Uint8Array(STRIP_ROWS * stride);
    for (let y = 0; y < h;) {
      const n = session.call((x) => {
        const rows = decoder.read(x, strip, STRIP_ROWS, stride);
        // A view made after the call: memory may have grown in it.
        out.set(new Uint8Array(x.memory.buffer, strip, rows * stride));
        return rows;
      });
      if (n === 0) throw new CodecError(`the ${decoder.format} data ends early`);
      y += n;
      yield { data: out.subarray(0, n * stride), width: w, height: n };
    }
    session.call((x) => decoder.end(x));
  } finally {
    measured.wasmBytes = session.peakMemoryBytes;
    session.drop();
  }
}
