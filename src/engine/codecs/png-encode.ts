import { crc32 } from '../metadata';
import type { Raster } from '../raster';
import { CodecSession, type ModuleExports } from './runtime';
import { STRIP_ROWS, rasterStrips, type Strips } from './strips';

/**
 * PNG encoded row by row in the codec module (wasm/shim/png_encode.c, zlib
 * 1.2.13 at level 6, libpng's and sharp's default, see STRATEGY): each row is filtered (of
 * the five filters, the one whose output has the smallest sum of absolute
 * values, libpng's heuristic for truecolour) and deflated there; JS copies
 * the compressed bytes out as they come and writes the chunks. The module
 * holds zlib's state, two rows, the filtered row, one strip of input and the
 * pending output, never a copy of the frame: its working set follows the
 * width. 8-bit RGB when every pixel is opaque, RGBA otherwise.
 */
export interface PngEncodeExports extends ModuleExports {
  png_encode_begin(width: number, height: number, channels: number, level: number, strategy: number, outCap: number): number;
  png_encode_write(state: number, rows: number, n: number, stride: number): number;
  png_encode_end(state: number): number;
  png_encode_output(state: number): number;
  png_encode_pending(state: number): number;
  png_encode_drain(state: number): void;
  png_encode_close(state: number): void;
}

/** zlib's level: libpng's default and sharp's (`compressionLevel: 6`). */
const LEVEL = 6;
/**
 * zlib's strategy by channels (measured with bench/png-encode.mjs, docs/engine.md "PNG encode in
 * the module"). Opaque frames (photos, screenshots) take Z_RLE: after the filters a photo's
 * matches are runs, and deflate's hash-chain search at level 6 costs 7x the time for a file 2%
 * larger. Frames with alpha (logos, cut-outs) keep the default strategy, whose long matches keep
 * them within sharp's size (Z_RLE: 18% larger on alpha.png).
 */
const STRATEGY: Record<3 | 4, number> = { 3: 3, 4: 0 };
/** The module's output buffer: compressed bytes wait there until JS takes them (at half full, or when it fills). */
const OUTPUT_BYTES = 64 * 1024;
/**
 * zlib's deflate state at level 6 (windowBits 15, memLevel 8): the 32 KB
 * window twice, the hash chains (prev, head) and the pending buffer, 64 KB
 * each, and the state itself; with room for malloc's headers.
 */
const DEFLATE_BYTES = 272 * 1024;
/** Linear memory grows a 64 KB page at a time. */
const PAGE_BYTES = 64 * 1024;

/**
 * What the encoder adds to the module's memory (its initial memory, where
 * the heap starts, is not counted): zlib, two rows and the filtered one, one
 * strip of RGBA input and the output buffer.
 */
export function pngEncodeBytes(width: number, channels: 3 | 4): number {
  const stride = width * channels;
  return DEFLATE_BYTES + 3 * (stride + 1) + STRIP_ROWS * width * 4 + OUTPUT_BYTES + PAGE_BYTES;
}

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Writes a chunk (length, type, data, CRC) at `o` of `out`; returns the offset after it. */
function putChunk(out: Uint8Array, o: number, type: string, data: Uint8Array): number {
  const v = new DataView(out.buffer, out.byteOffset);
  v.setUint32(o, data.length);
  for (let i = 0; i < 4; i++) out[o + 4 + i] = type.charCodeAt(i);
  out.set(data, o + 8);
  v.setUint32(o + 8 + data.length, crc32(out.subarray(o + 4, o + 8 + data.length)));
  return o + 12 + data.length;
}

function isOpaque(img: Raster): boolean {
  const d = img.data;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) return false;
  return true;
}

/** `charge` is called before each allocation: the encoder's working memory, each piece of compressed output as it comes, and the file. */
export function encodePngRows(img: Raster, charge: (bytes: number) => void = () => undefined): Promise<Uint8Array> {
  return encodePngStrips(rasterStrips(img), img.width, img.height, isOpaque(img) ? 3 : 4, charge);
}

/**
 * The same from strips (./strips.ts), e.g. decoded and mapped a strip at a
 * time: `channels` is 3 (RGB, alpha dropped) when the caller knows every
 * pixel is opaque, else 4.
 */
export async function encodePngStrips(
  strips: Strips,
  width: number,
  height: number,
  channels: 3 | 4,
  charge: (bytes: number) => void = () => undefined,
  /**
   * Write the compressed data straight into a file allocated up front for
   * zlib's bound of it (one IDAT): the output exists once, at most about the
   * raw size, instead of its pieces and then the file (twice the compressed
   * size, which for a photo is more: a 24 MP photo is 50 MB of PNG).
   */
  preallocate = false,
  /** Whole chunks written after IHDR in the preallocated file (an iCCP), so that it is not copied to insert them. */
  ancillary: Uint8Array = new Uint8Array(),
): Promise<Uint8Array> {
  charge(pngEncodeBytes(width, channels));
  const { workerdCodecModule } = await import('./workerd-module');
  const session = new CodecSession<PngEncodeExports>(workerdCodecModule());
  try {
    return await encodePngIn(session, strips, width, height, channels, charge, preallocate, ancillary);
  } finally {
    session.drop();
  }
}

/** encodePngStrips in `session` (the caller has charged pngEncodeBytes and drops the session). */
export async function encodePngIn(
  session: CodecSession<PngEncodeExports>,
  strips: Strips,
  width: number,
  height: number,
  channels: 3 | 4,
  charge: (bytes: number) => void,
  preallocate: boolean,
  ancillary: Uint8Array,
): Promise<Uint8Array> {
  const stride = width * channels;
  const file = preallocate ? new SingleIdatFile(height * (stride + 1), ancillary, charge) : undefined;
  const compressed: Uint8Array[] = [];
  const state = session.call((x) => x.png_encode_begin(width, height, channels, LEVEL, STRATEGY[channels], OUTPUT_BYTES));
  const input = session.call((x) => x.alloc(STRIP_ROWS * width * 4));
  /** Takes the module's pending output into the file (or a piece of its own). */
  const drain = () =>
    session.call((x) => {
      const n = x.png_encode_pending(state);
      if (!n) return;
      const bytes = new Uint8Array(x.memory.buffer, x.png_encode_output(state), n);
      if (file) file.add(bytes);
      else {
        charge(n + 12);
        compressed.push(bytes.slice());
      }
      x.png_encode_drain(state);
    });

  let y = 0;
  for await (const strip of strips) {
    for (let at = 0; at < strip.height; at += STRIP_ROWS) {
      const n = Math.min(STRIP_ROWS, strip.height - at);
      if (y + n > height) throw new Error(`PNG encoder: more than ${height} rows given`);
      session.call((x) =>
        new Uint8Array(x.memory.buffer, input, n * width * 4).set(strip.data.subarray(at * width * 4, (at + n) * width * 4)),
      );
      for (let done = 0; done < n;) {
        done += session.call((x) => x.png_encode_write(state, input + done * width * 4, n - done, width * 4));
        if (done < n || session.call((x) => x.png_encode_pending(state)) >= OUTPUT_BYTES / 2) drain();
      }
      y += n;
    }
  }
  if (y !== height) throw new Error(`PNG encoder: ${y} rows given for ${height}`);
  while (!session.call((x) => x.png_encode_end(state))) drain();
  drain();
  session.call((x) => x.png_encode_close(state));

  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, channels === 4 ? 6 : 2, 0, 0, 0], 8);
  if (file) return file.finish(ihdr);
  // Each piece taken from the module is one IDAT, written straight into the file: the output exists once more at most.
  const size = SIGNATURE.length + 25 + compressed.reduce((n, c) => n + 12 + c.length, 0) + 12;
  charge(size);
  const out = new Uint8Array(size);
  out.set(SIGNATURE);
  let o = putChunk(out, SIGNATURE.length, 'IHDR', ihdr);
  for (const c of compressed) o = putChunk(out, o, 'IDAT', c);
  putChunk(out, o, 'IEND', new Uint8Array());
  return out;
}

/** A PNG whose one IDAT is written as deflate gives its pieces, into room for zlib's bound of `raw` bytes (deflateBound). */
class SingleIdatFile {
  private readonly out: Uint8Array;
  /** Where the IDAT's data starts: after the signature, IHDR (25 bytes), the ancillary chunks and the IDAT's length and type. */
  private readonly start: number;
  private at: number;

  constructor(
    raw: number,
    private readonly ancillary: Uint8Array,
    charge: (bytes: number) => void,
  ) {
    const bound = raw + (raw >>> 12) + (raw >>> 14) + (raw >>> 25) + 64;
    this.start = this.at = SIGNATURE.length + 25 + ancillary.length + 8;
    const size = this.start + bound + 4 + 12;
    charge(size);
    this.out = new Uint8Array(size);
  }

  add(piece: Uint8Array): void {
    if (this.at + piece.length + 16 > this.out.length) throw new Error('PNG encoder: deflate passed its bound');
    this.out.set(piece, this.at);
    this.at += piece.length;
  }

  finish(ihdr: Uint8Array): Uint8Array {
    const { out } = this;
    out.set(SIGNATURE);
    out.set(this.ancillary, putChunk(out, SIGNATURE.length, 'IHDR', ihdr));
    const start = this.start - 8;
    const v = new DataView(out.buffer, out.byteOffset);
    const length = this.at - this.start;
    v.setUint32(start, length);
    for (let i = 0; i < 4; i++) out[start + 4 + i] = 'IDAT'.charCodeAt(i);
    v.setUint32(this.at, crc32(out.subarray(start + 4, this.at)));
    const end = putChunk(out, this.at + 4, 'IEND', new Uint8Array());
    return out.subarray(0, end);
  }
}
