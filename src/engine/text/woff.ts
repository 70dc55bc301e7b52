import { badRequest, CldError } from '../../errors';

/**
 * WOFF 1.0 is an sfnt whose tables are each zlib-compressed: unwrapping it
 * gives the TrueType/OpenType file resvg reads. Every length is checked
 * against the header's total, so a table cannot inflate beyond what it
 * declared (or beyond `maxBytes`). WOFF2 (Brotli plus glyph transforms) is
 * not unwrapped here.
 */
const WOFF = 0x774f4646;
const WOFF2 = 0x774f4632;

export const isWoff = (bytes: Uint8Array) => bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0) === WOFF;
export const isWoff2 = (bytes: Uint8Array) => bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0) === WOFF2;

async function inflate(data: Uint8Array, expected: number, name: string): Promise<Uint8Array> {
  const out = new Uint8Array(expected);
  let filled = 0;
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate'));
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > expected) throw badRequest(`Invalid font file ${name}: a table inflates beyond its declared size`);
      out.set(value, filled);
      filled += value.length;
    }
  } catch (err) {
    void reader.cancel().catch(() => undefined);
    if (err instanceof CldError) throw err;
    throw badRequest(`Invalid font file ${name}: bad compressed table`);
  }
  if (filled !== expected) throw badRequest(`Invalid font file ${name}: a table is shorter than declared`);
  return out;
}

/** The sfnt inside a WOFF file. */
export async function unwrapWoff(bytes: Uint8Array, name: string, maxBytes: number): Promise<Uint8Array> {
  const fail = (why: string) => badRequest(`Invalid font file ${name}: ${why}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 44) throw fail('too short');
  const flavor = view.getUint32(4);
  const count = view.getUint16(12);
  const total = view.getUint32(16);
  if (count === 0 || count > 64 || 44 + count * 20 > bytes.length) throw fail('bad table directory');
  if (total > maxBytes) throw badRequest(`Font file ${name} is too large: ${total} bytes unpacked, at most ${maxBytes}`);
  const entries = Array.from({ length: count }, (_, i) => {
    const at = 44 + i * 20;
    return {
      tag: view.getUint32(at),
      offset: view.getUint32(at + 4),
      compLength: view.getUint32(at + 8),
      origLength: view.getUint32(at + 12),
      checksum: view.getUint32(at + 16),
    };
  });
  const header = 12 + count * 16;
  let size = header;
  for (const e of entries) {
    if (e.offset + e.compLength > bytes.length || e.compLength > e.origLength) throw fail('bad table entry');
    size += (e.origLength + 3) & ~3;
  }
  if (size > total + 3 * count || size > maxBytes) throw fail('tables larger than the declared size');
  const out = new Uint8Array(size);
  const o = new DataView(out.buffer);
  o.setUint32(0, flavor);
  o.setUint16(4, count);
  let pos = header;
  for (let i = 0; i < count; i++) {
    const e = entries[i];
    const data = bytes.subarray(e.offset, e.offset + e.compLength);
    out.set(e.compLength < e.origLength ? await inflate(data, e.origLength, name) : data, pos);
    const rec = 12 + i * 16;
    o.setUint32(rec, e.tag);
    o.setUint32(rec + 4, e.checksum);
    o.setUint32(rec + 8, pos);
    o.setUint32(rec + 12, e.origLength);
    pos += (e.origLength + 3) & ~3;
  }
  return out;
}
