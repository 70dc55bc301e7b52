/** Wraps a TrueType font as WOFF 1.0 (each table zlib-compressed), as font tools write it. */
async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function woffOf(ttf: Uint8Array): Promise<Uint8Array> {
  const v = new DataView(ttf.buffer, ttf.byteOffset, ttf.byteLength);
  const count = v.getUint16(4);
  const tables = [];
  for (let i = 0; i < count; i++) {
    const at = 12 + i * 16;
    const offset = v.getUint32(at + 8);
    const length = v.getUint32(at + 12);
    const raw = ttf.subarray(offset, offset + length);
    const packed = await deflate(raw);
    tables.push({ tag: v.getUint32(at), checksum: v.getUint32(at + 4), length, data: packed.length < length ? packed : raw });
  }
  let size = 44 + count * 20;
  const offsets = tables.map((t) => {
    const o = size;
    size += (t.data.length + 3) & ~3;
    return o;
  });
  const out = new Uint8Array(size);
  const o = new DataView(out.buffer);
  o.setUint32(0, 0x774f4646);
  o.setUint32(4, v.getUint32(0));
  o.setUint32(8, size);
  o.setUint16(12, count);
  o.setUint32(16, 12 + count * 16 + tables.reduce((n, t) => n + ((t.length + 3) & ~3), 0));
  tables.forEach((t, i) => {
    const at = 44 + i * 20;
    o.setUint32(at, t.tag);
    o.setUint32(at + 4, offsets[i]);
    o.setUint32(at + 8, t.data.length);
    o.setUint32(at + 12, t.length);
    o.setUint32(at + 16, t.checksum);
    out.set(t.data, offsets[i]);
  });
  return out;
}
