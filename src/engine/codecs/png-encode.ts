import { crc32 } from '../metadata';
import type { Raster } from '../raster';
import { rasterStrips, type Strips } from './strips';

/**
 * PNG encoded row by row: each row is filtered (of the five filters, the one
 * whose output has the smallest sum of absolute values, libpng's heuristic
 * for truecolour) and streamed into zlib deflate (CompressionStream), in
 * batches of about BATCH_BYTES. The encoder holds the previous row, the five
 * candidates, one batch and the compressed output, never a copy of the
 * frame: its working set follows the width. 8-bit RGB when every pixel is
 * opaque, RGBA otherwise.
 */
const BATCH_BYTES = 256 * 1024;

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

/** The five filtered versions of `row` (against `prev`), each into its own buffer; returns the index of the cheapest. */
function filterRow(row: Uint8Array, prev: Uint8Array, bpp: number, out: Uint8Array[]): number {
  const n = row.length;
  const [none, sub, up, avg, paeth] = out;
  const sums = [0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const x = row[i];
    const a = i >= bpp ? row[i - bpp] : 0;
    const b = prev[i];
    const c = i >= bpp ? prev[i - bpp] : 0;
    const p = a + b - c;
    const pa = Math.abs(p - a);
    const pb = Math.abs(p - b);
    const pc = Math.abs(p - c);
    const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    const v1 = (x - a) & 255;
    const v2 = (x - b) & 255;
    const v3 = (x - ((a + b) >> 1)) & 255;
    const v4 = (x - pred) & 255;
    none[i] = x;
    sub[i] = v1;
    up[i] = v2;
    avg[i] = v3;
    paeth[i] = v4;
    // Bytes read as signed: small differences either way are cheap.
    sums[0] += x < 128 ? x : 256 - x;
    sums[1] += v1 < 128 ? v1 : 256 - v1;
    sums[2] += v2 < 128 ? v2 : 256 - v2;
    sums[3] += v3 < 128 ? v3 : 256 - v3;
    sums[4] += v4 < 128 ? v4 : 256 - v4;
  }
  let best = 0;
  for (let f = 1; f < 5; f++) if (sums[f] < sums[best]) best = f;
  return best;
}

/** `charge` is called before each allocation: the rows, each piece of compressed output as it comes, and the file. */
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
  const stride = width * channels;
  charge(7 * stride + BATCH_BYTES + stride);
  const file = preallocate ? new SingleIdatFile(height * (stride + 1), ancillary, charge) : undefined;
  let prev = new Uint8Array(stride);
  let row = new Uint8Array(stride);
  const candidates = Array.from({ length: 5 }, () => new Uint8Array(stride));
  const rowsPerBatch = Math.max(1, Math.floor(BATCH_BYTES / (stride + 1)));

  const deflate = new CompressionStream('deflate');
  const writer = deflate.writable.getWriter();
  const compressed: Uint8Array[] = [];
  const collected = (async () => {
    const reader = deflate.readable.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (file) {
        file.add(value);
        continue;
      }
      charge(value.length + 12);
      compressed.push(value);
    }
  })();

  let batch = new Uint8Array(rowsPerBatch * (stride + 1));
  let r = 0;
  let y = 0;
  const send = async () => {
    await writer.ready;
    void writer.write(batch.subarray(0, r * (stride + 1)));
    batch = new Uint8Array(Math.min(rowsPerBatch, height - y) * (stride + 1));
    r = 0;
  };
  for await (const strip of strips) {
    const data = strip.data;
    for (let i = 0; i < strip.height; i++) {
      const src = data.subarray(i * width * 4, (i + 1) * width * 4);
      if (channels === 4) row.set(src);
      else
        for (let x = 0, k = 0, o = 0; x < width; x++, k += 4, o += 3) {
          row[o] = src[k];
          row[o + 1] = src[k + 1];
          row[o + 2] = src[k + 2];
        }
      const f = filterRow(row, prev, channels, candidates);
      const at = r * (stride + 1);
      batch[at] = f;
      batch.set(candidates[f], at + 1);
      [prev, row] = [row, prev];
      r++;
      y++;
      if (r === rowsPerBatch) await send();
    }
  }
  if (y !== height) throw new Error(`PNG encoder: ${y} rows given for ${height}`);
  if (r) await send();
  await writer.close();
  await collected;

  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, channels === 4 ? 6 : 2, 0, 0, 0], 8);
  if (file) return file.finish(ihdr);
  // Each piece deflate gave is one IDAT, written straight into the file: the output exists once more at most.
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
