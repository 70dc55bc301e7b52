import { badRequest } from '../../../errors';

/** RIFF chunks of a WebP file: FourCC, payload, and where the chunk (header included) sits. */
export interface RiffChunk {
  tag: string;
  payload: Uint8Array;
  /** The whole chunk: header, payload and padding byte. */
  bytes: Uint8Array;
}

const u32le = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
export const u24le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
const ascii = (b: Uint8Array, o: number) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);

/** The chunks of `b[from..to)`; a chunk that claims more than the bytes hold is refused. */
export function riffChunks(b: Uint8Array, from = 12, to = b.length): RiffChunk[] {
  const chunks: RiffChunk[] = [];
  let o = from;
  while (o + 8 <= to) {
    const len = u32le(b, o + 4);
    if (len > to - o - 8) throw badRequest('Invalid image file: truncated WebP chunk');
    const end = Math.min(to, o + 8 + len + (len & 1));
    chunks.push({ tag: ascii(b, o), payload: b.subarray(o + 8, o + 8 + len), bytes: b.subarray(o, end) });
    o = end;
  }
  return chunks;
}

/** A chunk: FourCC, little-endian length, payload, a padding byte when the length is odd. */
export function chunk(tag: string, ...parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(8 + len + (len & 1));
  for (let i = 0; i < 4; i++) out[i] = tag.charCodeAt(i);
  putU32(out, 4, len);
  let o = 8;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `RIFF <size> WEBP` around chunks. */
export function riffFile(chunks: Uint8Array[]): Uint8Array {
  const len = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(12 + len);
  out.set([0x52, 0x49, 0x46, 0x46]);
  putU32(out, 4, 4 + len);
  out.set([0x57, 0x45, 0x42, 0x50], 8);
  let o = 12;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

export function putU24(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >> 8) & 0xff;
  b[o + 2] = (v >> 16) & 0xff;
}

/** VP8X: the extended header (flags, canvas size less one). */
export function vp8x(flags: number, width: number, height: number): Uint8Array {
  const p = new Uint8Array(10);
  p[0] = flags;
  putU24(p, 4, width - 1);
  putU24(p, 7, height - 1);
  return chunk('VP8X', p);
}

export const VP8X_ALPHA = 0x10;
export const VP8X_ANIMATION = 0x02;
