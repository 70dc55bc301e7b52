import type { Raster } from '../raster';
import { quantize } from './quantize';

/** A static GIF89a: the image quantised to 256 colours, LZW-compressed, with a transparent entry when needed. */
export function encodeGif(img: Raster): Uint8Array {
  const q = quantize(img);
  const bits = Math.max(1, Math.ceil(Math.log2(q.colors)));
  const tableSize = 1 << bits;
  const out: number[] = [];
  const u16 = (v: number) => out.push(v & 0xff, (v >> 8) & 0xff);
  out.push(...[...'GIF89a'].map((c) => c.charCodeAt(0)));
  u16(img.width);
  u16(img.height);
  out.push(0x80 | ((bits - 1) << 4) | (bits - 1), 0, 0);
  for (let i = 0; i < tableSize; i++) out.push(q.palette[i * 3] ?? 0, q.palette[i * 3 + 1] ?? 0, q.palette[i * 3 + 2] ?? 0);
  if (q.transparent >= 0) out.push(0x21, 0xf9, 4, 0x01, 0, 0, q.transparent, 0);
  out.push(0x2c);
  u16(0);
  u16(0);
  u16(img.width);
  u16(img.height);
  out.push(0);
  const minCode = Math.max(2, bits);
  out.push(minCode);
  const data = lzw(q.indices, minCode);
  for (let i = 0; i < data.length; i += 255) {
    const chunk = data.subarray(i, i + 255);
    out.push(chunk.length);
    for (const b of chunk) out.push(b);
  }
  out.push(0, 0x3b);
  return new Uint8Array(out);
}

function lzw(indices: Uint8Array, minCode: number): Uint8Array {
  const clear = 1 << minCode;
  const eoi = clear + 1;
  const bytes: number[] = [];
  let acc = 0;
  let accBits = 0;
  let size = minCode + 1;
  const emit = (code: number) => {
    acc |= code << accBits;
    accBits += size;
    while (accBits >= 8) {
      bytes.push(acc & 0xff);
      acc >>>= 8;
      accBits -= 8;
    }
  };
  let dict = new Map<number, number>();
  let next = eoi + 1;
  emit(clear);
  let prefix = indices[0];
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i];
    const key = (prefix << 8) | k;
    const found = dict.get(key);
    if (found !== undefined) {
      prefix = found;
      continue;
    }
    emit(prefix);
    if (next < 4096) {
      dict.set(key, next++);
      if (next > 1 << size && size < 12) size++;
    } else {
      emit(clear);
      dict = new Map();
      next = eoi + 1;
      size = minCode + 1;
    }
    prefix = k;
  }
  emit(prefix);
  emit(eoi);
  if (accBits > 0) bytes.push(acc & 0xff);
  return new Uint8Array(bytes);
}
