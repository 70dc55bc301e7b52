import { badRequest } from '../../errors';
import type { Raster } from '../raster';
import { BoxReducer } from './box-reduce';

/**
 * PNG decoded row by row: the IDAT stream goes through DecompressionStream
 * ('deflate' is zlib), each row is unfiltered against the previous one,
 * turned into RGBA and added into a box-reduced image (every `shrink` x
 * `shrink` block averaged, alpha-weighted), so memory follows the width and
 * the reduced size, never the full frame. Interlaced (Adam7) files are not
 * read here: their passes need the whole frame.
 */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}

const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const tag = (b: Uint8Array, o: number) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);

/** Samples per pixel of each colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function pngHeader(b: Uint8Array): PngHeader | undefined {
  if (b.length < 33 || tag(b, 12) !== 'IHDR') return undefined;
  return { width: u32(b, 16), height: u32(b, 20), bitDepth: b[24], colorType: b[25], interlaced: b[28] === 1 };
}

interface Chunks {
  palette?: Uint8Array;
  transparency?: Uint8Array;
  data: Uint8Array[];
}

function chunks(b: Uint8Array): Chunks {
  const out: Chunks = { data: [] };
  for (let o = 8; o + 12 <= b.length;) {
    const len = u32(b, o);
    const kind = tag(b, o + 4);
    const body = b.subarray(o + 8, Math.min(b.length, o + 8 + len));
    if (kind === 'PLTE') out.palette = body;
    else if (kind === 'tRNS') out.transparency = body;
    else if (kind === 'IDAT') out.data.push(body);
    else if (kind === 'IEND') break;
    o += 12 + len;
  }
  return out;
}

/** Turns one unfiltered row into 8-bit RGBA (16-bit samples keep their high byte; tRNS keys compare the file's own values). */
function rowToRgba(h: PngHeader, c: Chunks, row: Uint8Array, out: Uint8Array): void {
  const { width, bitDepth, colorType } = h;
  // The common screenshot and photo layouts, without per-sample calls.
  if (bitDepth === 8 && colorType === 6) {
    out.set(row.subarray(0, width * 4));
    return;
  }
  if (bitDepth === 8 && colorType === 2 && !c.transparency) {
    for (let x = 0, i = 0, o = 0; x < width; x++, i += 3, o += 4) {
      out[o] = row[i];
      out[o + 1] = row[i + 1];
      out[o + 2] = row[i + 2];
      out[o + 3] = 255;
    }
    return;
  }
  const max = (1 << Math.min(bitDepth, 8)) - 1;
  const raw = (i: number): number => {
    if (bitDepth === 16) return (row[i * 2] << 8) | row[i * 2 + 1];
    if (bitDepth === 8) return row[i];
    const perByte = 8 / bitDepth;
    return (row[Math.floor(i / perByte)] >> (8 - bitDepth * ((i % perByte) + 1))) & max;
  };
  const to8 = (v: number) => (bitDepth === 16 ? v >> 8 : bitDepth === 8 ? v : Math.round((v * 255) / max));
  const t = c.transparency;
  const keyAt = (i: number) => (t && t.length >= 2 * (i + 1) ? (t[i * 2] << 8) | t[i * 2 + 1] : -1);
  const n = CHANNELS[colorType];
  for (let x = 0; x < width; x++) {
    const o = x * 4;
    if (colorType === 3) {
      const i = raw(x);
      const p = c.palette;
      if (!p || i * 3 + 2 >= p.length) throw badRequest('Invalid image file: PNG palette index out of range');
      out[o] = p[i * 3];
      out[o + 1] = p[i * 3 + 1];
      out[o + 2] = p[i * 3 + 2];
      out[o + 3] = t && i < t.length ? t[i] : 255;
    } else if (colorType === 0 || colorType === 4) {
      const g = raw(x * n);
      out[o] = out[o + 1] = out[o + 2] = to8(g);
      out[o + 3] = colorType === 4 ? to8(raw(x * 2 + 1)) : g === keyAt(0) ? 0 : 255;
    } else {
      const r = raw(x * n);
      const g = raw(x * n + 1);
      const b = raw(x * n + 2);
      out[o] = to8(r);
      out[o + 1] = to8(g);
      out[o + 2] = to8(b);
      out[o + 3] = colorType === 6 ? to8(raw(x * n + 3)) : r === keyAt(0) && g === keyAt(1) && b === keyAt(2) ? 0 : 255;
    }
  }
}

/** Undoes the row's filter in place (`prev` is the previous unfiltered row, zeros for the first). */
function unfilter(filter: number, row: Uint8Array, prev: Uint8Array, bpp: number): void {
  const n = row.length;
  switch (filter) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) row[i] = (row[i] + row[i - bpp]) & 255;
      return;
    case 2:
      for (let i = 0; i < n; i++) row[i] = (row[i] + prev[i]) & 255;
      return;
    case 3:
      // The first pixel has no left neighbour; the rest without a bounds test per byte.
      for (let i = 0; i < bpp && i < n; i++) row[i] = (row[i] + (prev[i] >> 1)) & 255;
      for (let i = bpp; i < n; i++) row[i] = (row[i] + ((row[i - bpp] + prev[i]) >> 1)) & 255;
      return;
    case 4:
      for (let i = 0; i < bpp && i < n; i++) row[i] = (row[i] + prev[i]) & 255;
      for (let i = bpp; i < n; i++) {
        const l = row[i - bpp];
        const u = prev[i];
        const ul = prev[i - bpp];
        const pa = Math.abs(u - ul);
        const pb = Math.abs(l - ul);
        const pc = Math.abs(l + u - 2 * ul);
        row[i] = (row[i] + (pa <= pb && pa <= pc ? l : pb <= pc ? u : ul)) & 255;
      }
      return;
    default:
      throw badRequest('Invalid image file: unknown PNG row filter');
  }
}

/** Decodes a non-interlaced PNG reduced by `shrink` (1: full size) without ever holding the full frame. */
export async function decodePngReduced(b: Uint8Array, shrink: number): Promise<Raster> {
  const h = pngHeader(b);
  if (!h) throw INVALID();
  const reducer = new BoxReducer(h.width, h.height, shrink);
  for await (const rgba of pngRows(b)) reducer.add(rgba);
  reducer.flush();
  return reducer.out;
}

const INVALID = () => badRequest('Invalid image file: the PNG data could not be decoded');

/** A PNG that may have transparent pixels: an alpha channel, or a tRNS chunk. */
export function pngHasAlpha(b: Uint8Array): boolean {
  const h = pngHeader(b);
  return !!h && (h.colorType === 4 || h.colorType === 6 || chunks(b).transparency !== undefined);
}

/**
 * The rows of a non-interlaced PNG as 8-bit RGBA, top to bottom: the same
 * buffer each time (valid until the next row is asked for). What the box
 * reduction reads, and the strip pipeline at full size.
 */
export async function* pngRows(b: Uint8Array): AsyncGenerator<Uint8Array> {
  const h = pngHeader(b);
  if (!h || h.interlaced || !CHANNELS[h.colorType]) throw INVALID();
  const c = chunks(b);
  const bitsPerPixel = CHANNELS[h.colorType] * h.bitDepth;
  const stride = Math.ceil((h.width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const prev = new Uint8Array(stride);
  const row = new Uint8Array(stride + 1);
  let filled = 0;
  let rows = 0;
  const rgba = new Uint8Array(h.width * 4);
  const inflate = new DecompressionStream('deflate');
  const writer = inflate.writable.getWriter();
  const written = (async () => {
    for (const part of c.data) await writer.write(part);
    await writer.close();
  })().catch(() => undefined);
  const reader = inflate.readable.getReader();
  try {
    while (rows < h.height) {
      let data: Uint8Array;
      try {
        const { value, done } = await reader.read();
        if (done) break;
        data = value;
      } catch {
        throw INVALID();
      }
      for (let i = 0; i < data.length && rows < h.height;) {
        const n = Math.min(stride + 1 - filled, data.length - i);
        row.set(data.subarray(i, i + n), filled);
        filled += n;
        i += n;
        if (filled < stride + 1) break;
        const pixels = row.subarray(1);
        try {
          unfilter(row[0], pixels, prev, bpp);
          rowToRgba(h, c, pixels, rgba);
        } catch {
          throw INVALID();
        }
        prev.set(pixels);
        filled = 0;
        rows++;
        yield rgba;
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
    await written;
  }
  if (rows < h.height) throw badRequest('Invalid image file: the PNG data ends early');
}
