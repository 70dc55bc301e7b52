import { badRequest } from '../../errors';
import type { Raster } from '../raster';

/** One frame of an animated GIF as it is seen: the logical screen after drawing it, and how long it shows. */
export interface GifFrame {
  /** The screen, RGBA; the same buffer is drawn on for the next frame, so use it before asking for the next. */
  canvas: Uint8Array;
  width: number;
  height: number;
  /** Milliseconds (the graphic control extension's hundredths). */
  delay: number;
}

/**
 * Frames of a GIF in order, each drawn onto the logical screen honouring the
 * previous frame's disposal method and the frame's transparent colour. Only
 * the screen (4 bytes per pixel), a saved copy for "restore to previous" and
 * one frame's indices are held, whatever the number of frames.
 */
export function* gifFrames(b: Uint8Array): Generator<GifFrame> {
  const width = b[6] | (b[7] << 8);
  const height = b[8] | (b[9] << 8);
  let o = 13;
  const globalTable = b[10] & 0x80 ? readTable(b, o, 1 << ((b[10] & 7) + 1)) : undefined;
  if (globalTable) o += globalTable.length;
  const canvas = new Uint8Array(width * height * 4);
  let transparent = -1;
  let disposal = 0;
  let delay = 0;
  while (o < b.length) {
    const block = b[o];
    if (block === 0x3b) break;
    if (block === 0x21) {
      if (b[o + 1] === 0xf9 && b[o + 2] >= 4) {
        disposal = (b[o + 3] >> 2) & 7;
        transparent = b[o + 3] & 1 ? b[o + 6] : -1;
        delay = (b[o + 4] | (b[o + 5] << 8)) * 10;
      }
      o = skipSubBlocks(b, o + 2);
      continue;
    }
    if (block !== 0x2c) throw badRequest('Invalid image file: corrupt GIF block');
    const fx = b[o + 1] | (b[o + 2] << 8);
    const fy = b[o + 3] | (b[o + 4] << 8);
    const fw = b[o + 5] | (b[o + 6] << 8);
    const fh = b[o + 7] | (b[o + 8] << 8);
    const flags = b[o + 9];
    o += 10;
    let table = globalTable;
    if (flags & 0x80) {
      table = readTable(b, o, 1 << ((flags & 7) + 1));
      o += table.length;
    }
    if (!table) throw badRequest('Invalid image file: GIF frame without a colour table');
    const minCode = b[o++];
    const dataEnd = skipSubBlocks(b, o);
    const saved = disposal === 3 ? canvas.slice() : undefined;
    const indices = lzwDecode(joinSubBlocks(b, o, dataEnd), minCode, fw * fh);
    drawFrame(canvas, width, height, indices, table, { x: fx, y: fy, w: fw, h: fh, interlaced: (flags & 0x40) !== 0, transparent });
    yield { canvas, width, height, delay };
    if (disposal === 2) clearRect(canvas, width, height, fx, fy, fw, fh);
    if (saved) canvas.set(saved);
    o = dataEnd;
    transparent = -1;
    disposal = 0;
    delay = 0;
  }
}

/** How many times the animation repeats (the NETSCAPE2.0 extension): 0 forever, undefined when it plays once. */
export function gifLoopCount(b: Uint8Array): number | undefined {
  const at = indexOfAscii(b, 'NETSCAPE2.0');
  if (at < 0 || at + 15 > b.length || b[at + 11] !== 3 || b[at + 12] !== 1) return undefined;
  return b[at + 13] | (b[at + 14] << 8);
}

function indexOfAscii(b: Uint8Array, text: string): number {
  const first = text.charCodeAt(0);
  for (let i = b.indexOf(first); i >= 0 && i + text.length <= b.length; i = b.indexOf(first, i + 1)) {
    let k = 1;
    while (k < text.length && b[i + k] === text.charCodeAt(k)) k++;
    if (k === text.length) return i;
  }
  return -1;
}

/**
 * One frame of an animated GIF as it is seen (`pg_<n>`, 1-based). photon
 * decodes only the first frame, so later frames come from here.
 */
export function decodeGifFrame(b: Uint8Array, page: number): Raster {
  let frame = 0;
  for (const f of gifFrames(b)) {
    if (++frame === page) return { data: f.canvas, width: f.width, height: f.height };
  }
  throw badRequest(`Invalid page in transformation: ${page} (the image has ${frame} page${frame === 1 ? '' : 's'})`);
}

function readTable(b: Uint8Array, o: number, entries: number): Uint8Array {
  if (o + entries * 3 > b.length) throw badRequest('Invalid image file: truncated GIF colour table');
  return b.subarray(o, o + entries * 3);
}

/** Offset after a run of data sub-blocks (ending with a zero-length block). */
function skipSubBlocks(b: Uint8Array, o: number): number {
  while (o < b.length && b[o] !== 0) o += b[o] + 1;
  if (o >= b.length) throw badRequest('Invalid image file: truncated GIF');
  return o + 1;
}

function joinSubBlocks(b: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let n = 0;
  for (let o = start; o < end - 1; o += b[o] + 1) {
    out.set(b.subarray(o + 1, o + 1 + b[o]), n);
    n += b[o];
  }
  return out.subarray(0, n);
}

/** GIF's variable-width LZW; stops at the end code or when `pixels` indices are out. Each code's string is written straight into place, back to front. */
function lzwDecode(data: Uint8Array, minCode: number, pixels: number): Uint8Array {
  if (minCode < 2 || minCode > 11) throw badRequest('Invalid image file: bad GIF code size');
  const out = new Uint8Array(pixels);
  const clear = 1 << minCode;
  const end = clear + 1;
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < clear; i++) {
    suffix[i] = i;
    first[i] = i;
    prefix[i] = -1;
    length[i] = 1;
  }
  let size = minCode + 1;
  let next = end + 1;
  let prev = -1;
  let bits = 0;
  let acc = 0;
  let n = 0;
  for (let i = 0; i < data.length && n < pixels;) {
    while (bits < size && i < data.length) {
      acc |= data[i++] << bits;
      bits += 8;
    }
    if (bits < size) break;
    const code = acc & ((1 << size) - 1);
    acc >>>= size;
    bits -= size;
    if (code === clear) {
      size = minCode + 1;
      next = end + 1;
      prev = -1;
      continue;
    }
    if (code === end) break;
    let c = code;
    let tail = -1;
    if (c >= next) {
      // KwKwK: the previous string and its own first index.
      if (prev < 0 || c > next) throw badRequest('Invalid image file: corrupt GIF data');
      tail = first[prev];
      c = prev;
    }
    const len = length[c] + (tail >= 0 ? 1 : 0);
    let at = n + len - 1;
    if (at < pixels) {
      // The whole string fits (all but a broken file's last one): no bounds check per index.
      if (tail >= 0) out[at--] = tail;
      for (; c >= 0; c = prefix[c]) out[at--] = suffix[c];
      n += len;
    } else {
      if (tail >= 0) at--;
      for (; c >= 0; c = prefix[c], at--) if (at < pixels) out[at] = suffix[c];
      n = pixels;
    }
    if (prev >= 0 && next < 4096) {
      prefix[next] = prev;
      suffix[next] = first[code < next ? code : prev];
      first[next] = first[prev];
      length[next] = length[prev] + 1;
      next++;
      if (next === 1 << size && size < 12) size++;
    }
    prev = code;
  }
  return out;
}

const INTERLACE = [
  [0, 8],
  [4, 8],
  [2, 4],
  [1, 2],
];

function drawFrame(
  canvas: Uint8Array,
  W: number,
  H: number,
  idx: Uint8Array,
  table: Uint8Array,
  f: { x: number; y: number; w: number; h: number; interlaced: boolean; transparent: number },
): void {
  const rows = new Int32Array(f.h);
  if (f.interlaced) {
    let k = 0;
    for (const [start, step] of INTERLACE) for (let r = start; r < f.h; r += step) rows[k++] = r;
  } else for (let r = 0; r < f.h; r++) rows[r] = r;
  const colours = table.length / 3;
  const cols = Math.max(0, Math.min(f.w, W - f.x));
  for (let k = 0; k < f.h; k++) {
    const y = f.y + rows[k];
    if (y >= H) continue;
    let s = k * f.w;
    let d = (y * W + f.x) * 4;
    for (let col = 0; col < cols; col++, s++, d += 4) {
      const ci = idx[s];
      if (ci === f.transparent || ci >= colours) continue;
      canvas[d] = table[ci * 3];
      canvas[d + 1] = table[ci * 3 + 1];
      canvas[d + 2] = table[ci * 3 + 2];
      canvas[d + 3] = 255;
    }
  }
}

function clearRect(canvas: Uint8Array, W: number, H: number, x: number, y: number, w: number, h: number): void {
  for (let r = y; r < Math.min(H, y + h); r++) canvas.fill(0, (r * W + x) * 4, (r * W + Math.min(W, x + w)) * 4);
}
