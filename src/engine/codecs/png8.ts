import { crc32 } from '../metadata';
import type { Raster } from '../raster';
import { quantize } from './quantize';

/** An 8-bit palette PNG (fl_png8): the image quantised to 256 colours, with tRNS for transparent pixels. */
export async function encodePng8(img: Raster): Promise<Uint8Array> {
  const q = quantize(img);
  const { width, height } = img;
  const rows = new Uint8Array((width + 1) * height);
  for (let y = 0; y < height; y++) rows.set(q.indices.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const idat = new Uint8Array(await new Response(new Blob([rows]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer());
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 3, 0, 0, 0], 8);
  const chunks = [chunk('IHDR', ihdr), chunk('PLTE', q.palette.subarray(0, q.colors * 3))];
  if (q.transparent >= 0) {
    const trns = new Uint8Array(q.transparent + 1).fill(255);
    trns[q.transparent] = 0;
    chunks.push(chunk('tRNS', trns));
  }
  chunks.push(chunk('IDAT', idat), chunk('IEND', new Uint8Array()));
  const signature = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const out = new Uint8Array(8 + chunks.reduce((n, c) => n + c.length, 0));
  out.set(signature);
  let o = 8;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const c = new Uint8Array(data.length + 12);
  const v = new DataView(c.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) c[4 + i] = type.charCodeAt(i);
  c.set(data, 8);
  v.setUint32(8 + data.length, crc32(c.subarray(4, 8 + data.length)));
  return c;
}
