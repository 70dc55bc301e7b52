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

/** Open-addressing table of (prefix, next index) -> code: a prime above 4096 codes, cleared cheaply at every reset. */
const HASH_SIZE = 5003;

/** GIF's variable-width LZW of palette indices (`minCode`: the code size written before the data). */
export function lzw(indices: Uint8Array, minCode: number): Uint8Array {
  const clear = 1 << minCode;
  const eoi = clear + 1;
  // At most 12 bits per index plus the clear codes: never more than 1.5 bytes per index and a little.
  let bytes = new Uint8Array(Math.ceil(indices.length * 1.6) + 64);
  let len = 0;
  let acc = 0;
  let accBits = 0;
  let size = minCode + 1;
  const emit = (code: number) => {
    acc |= code << accBits;
    accBits += size;
    while (accBits >= 8) {
      if (len === bytes.length) {
        const grown = new Uint8Array(bytes.length * 2);
        grown.set(bytes);
        bytes = grown;
      }
      bytes[len++] = acc & 0xff;
      acc >>>= 8;
      accBits -= 8;
    }
  };
  const keys = new Int32Array(HASH_SIZE).fill(-1);
  const codes = new Uint16Array(HASH_SIZE);
  let next = eoi + 1;
  emit(clear);
  let prefix = indices[0];
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i];
    const key = (prefix << 8) | k;
    // compress(1)'s double hashing: the probe step depends on the first slot, so runs of keys do not cluster.
    let h = ((k << 4) ^ prefix) % HASH_SIZE;
    const step = h === 0 ? 1 : HASH_SIZE - h;
    while (keys[h] !== -1 && keys[h] !== key) if ((h -= step) < 0) h += HASH_SIZE;
    if (keys[h] === key) {
      prefix = codes[h];
      continue;
    }
    emit(prefix);
    if (next < 4096) {
      keys[h] = key;
      codes[h] = next++;
      if (next > 1 << size && size < 12) size++;
    } else {
      emit(clear);
      keys.fill(-1);
      next = eoi + 1;
      size = minCode + 1;
    }
    prefix = k;
  }
  emit(prefix);
  emit(eoi);
  // The last bits, padded with zeros to a whole byte.
  if (accBits > 0) {
    size = 8 - accBits;
    emit(0);
  }
  return bytes.subarray(0, len);
}
