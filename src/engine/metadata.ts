import { concat } from './bytes';

/**
 * The metadata a derived image may carry over from its source. Every encoder
 * writes pixels only, so EXIF (camera, GPS), XMP and IPTC are gone by
 * default. Two things are put back: an ICC profile (the source's own when it
 * describes sRGB, else a small sRGB one, since the codec module converts JPEG
 * sources to sRGB; engine.ts `carried`; fl_strip_profile drops it) and, with
 * fl_keep_iptc, the IPTC block.
 */
export interface CarriedMetadata {
  icc?: Uint8Array;
  iptc?: Uint8Array;
}

const ICC_TAG = 'ICC_PROFILE\0';
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

/** APP2 ICC chunks (in sequence order) and the APP13 Photoshop/IPTC payload of a JPEG. */
export function readJpegMetadata(b: Uint8Array): CarriedMetadata {
  const icc: [number, Uint8Array][] = [];
  let iptc: Uint8Array | undefined;
  let o = 2;
  while (o + 4 <= b.length && b[o] === 0xff) {
    const m = b[o + 1];
    if (m === 0xda || m === 0xd9) break;
    const len = (b[o + 2] << 8) | b[o + 3];
    const body = b.subarray(o + 4, o + 2 + len);
    if (m === 0xe2 && ascii(body, 0, 12) === ICC_TAG) icc.push([body[12], body.subarray(14)]);
    if (m === 0xed && ascii(body, 0, 13) === 'Photoshop 3.0') iptc = body;
    o += 2 + len;
  }
  const parts = icc.sort((x, y) => x[0] - y[0]).map(([, d]) => d);
  const profile = parts.length ? concat(parts) : undefined;
  // Only an RGB profile still describes our RGB output (a CMYK one does not).
  return { icc: profile && ascii(profile, 16, 4) === 'RGB ' ? profile : undefined, iptc };
}

const segment = (marker: number, body: Uint8Array) => {
  const s = new Uint8Array(body.length + 4);
  s[0] = 0xff;
  s[1] = marker;
  s[2] = (body.length + 2) >> 8;
  s[3] = (body.length + 2) & 0xff;
  s.set(body, 4);
  return s;
};

/** Inserts APP2 (ICC, split into 64 KB segments) and APP13 (IPTC) after the JPEG's SOI and APP0. */
export function writeJpegMetadata(jpeg: Uint8Array, meta: CarriedMetadata): Uint8Array {
  const segments: Uint8Array[] = [];
  if (meta.icc) {
    const max = 65519 - 14;
    const count = Math.ceil(meta.icc.length / max);
    for (let i = 0; i < count; i++) {
      const head = new TextEncoder().encode(ICC_TAG);
      const body = concat([head, new Uint8Array([i + 1, count]), meta.icc.subarray(i * max, (i + 1) * max)]);
      segments.push(segment(0xe2, body));
    }
  }
  if (meta.iptc) segments.push(segment(0xed, meta.iptc));
  if (!segments.length) return jpeg;
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0) at = 4 + ((jpeg[4] << 8) | jpeg[5]);
  return concat([jpeg.subarray(0, at), ...segments, jpeg.subarray(at)]);
}

/** Inserts an iCCP chunk (zlib-compressed profile) after a PNG's IHDR. */
export async function writePngIcc(png: Uint8Array, icc: Uint8Array): Promise<Uint8Array> {
  const chunk = await pngIccChunk(icc);
  const ihdrEnd = 8 + 12 + 13;
  return concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

/** The iCCP chunk of a profile (for an encoder that writes it in place rather than copying the file). */
export async function pngIccChunk(icc: Uint8Array): Promise<Uint8Array> {
  const zipped = new Uint8Array(await new Response(new Blob([icc]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer());
  const data = concat([new TextEncoder().encode('icc\0'), new Uint8Array([0]), zipped]);
  const chunk = new Uint8Array(data.length + 12);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(new TextEncoder().encode('iCCP'), 4);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

let table: Uint32Array | undefined;
export function crc32(b: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = table[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
