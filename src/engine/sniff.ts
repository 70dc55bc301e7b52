import { av1CodedSize } from './sniff-av1';
import { readHeif } from './heif-container';
import { pdfHeadFacts } from './pdf/reader';

/**
 * What a file is, from its first bytes: the format by magic number, and for
 * images the dimensions from the header, without decoding any pixels. Every
 * size limit is checked on this before a decoder sees the file.
 */
export type ImageFormat = 'jpg' | 'png' | 'gif' | 'webp' | 'avif' | 'heic' | 'svg' | 'bmp' | 'tiff' | 'ico' | 'pdf';

export interface Sniffed {
  format: ImageFormat;
  width: number;
  height: number;
  /** EXIF orientation 1-8 (JPEG; HEIC: what its irot/imir amount to), 1 when absent. */
  orientation: number;
  /** Frames of an animated GIF/WebP; 1 otherwise. */
  pages: number;
  /** JPEG: progressive (SOF2/SOF6/SOF10/SOF14), whose decoder keeps every coefficient of the image. */
  progressive?: boolean;
  /** JPEG: four components (CMYK or YCCK), which the codec module converts to sRGB through a CMYK profile. */
  cmyk?: boolean;
  /**
   * JPEG: bytes of DCT coefficients a progressive decode keeps until its last scan, by shrink-on-load factor, from the
   * frame's sampling factors: every coefficient at 1/1; at 1/2..1/8 the codec module keeps per block only what the scaled
   * inverse DCT reads plus a nonzero bitmap of the rest (wasm/patches/jdcoefct-compact.patch).
   */
  coefficientBytes?: CoefficientBytes;
  /**
   * The pixels a decoder will really produce when they differ from the
   * header's claim: a GIF frame larger than its screen, an AVIF whose coded
   * stream is larger than its `ispe` box. Budgets are checked on this.
   */
  extent?: { width: number; height: number };
}

/**
 * What libjpeg allocates for a whole-image coefficient buffer: per component,
 * its blocks over whole MCUs (sampling factors from the SOF at `o`), 64
 * coefficients of 2 bytes each. 4:2:0 is 3 bytes per pixel, 4:4:4 6.
 */
function jpegCoefficientBytes(b: Uint8Array, o: number, width: number, height: number): CoefficientBytes | undefined {
  const n = b[o + 9];
  if (!(n >= 1 && n <= 4) || o + 10 + 3 * n > b.length) return undefined;
  const factors = Array.from({ length: n }, (_, i) => b[o + 11 + 3 * i]).map((f) => ({ h: f >> 4 || 1, v: f & 15 || 1 }));
  const hMax = Math.max(...factors.map((f) => f.h));
  const vMax = Math.max(...factors.map((f) => f.v));
  const mcuX = Math.ceil(width / (8 * hMax));
  const mcuY = Math.ceil(height / (8 * vMax));
  const at = (shrink: number) =>
    factors.reduce((sum, f) => sum + mcuX * f.h * mcuY * f.v * storedBlockBytes(keptSide(8 / shrink, f, hMax, vMax)), 0);
  return { 1: at(1), 2: at(2), 4: at(4), 8: at(8) };
}

/** Shrink-on-load factors of the JPEG decoder. */
export type JpegShrink = 1 | 2 | 4 | 8;
type CoefficientBytes = Record<JpegShrink, number>;

/**
 * libjpeg's DCT size for a component (jdmaster.c): chroma is scaled up inside the inverse DCT, not upsampled, while its
 * sampling factors allow it; the patched coefficient buffer keeps that many coefficients on each side of a block.
 */
function keptSide(min: number, f: { h: number; v: number }, hMax: number, vMax: number): number {
  let size = min;
  while (size < 8 && (hMax * min) % (f.h * size * 2) === 0 && (vMax * min) % (f.v * size * 2) === 0) size *= 2;
  return size;
}

/** A stored block: 64 coefficients of 2 bytes, or the kept side squared plus an 8-byte map of the others that are nonzero. */
const storedBlockBytes = (side: number) => (side >= 8 ? 128 : side * side * 2 + 8);

/** The size every budget is checked against: the decoder's real output, not only the header's claim. */
export const decodeExtent = (s: Sniffed) => s.extent ?? { width: s.width, height: s.height };

const MIME_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heic: 'image/heic',
  heif: 'image/heif',
  svg: 'image/svg+xml',
  bmp: 'image/bmp',
  tiff: 'image/tiff',
  tif: 'image/tiff',
  ico: 'image/x-icon',
  pdf: 'application/pdf',
  json: 'application/json',
  txt: 'text/plain',
  csv: 'text/csv',
  html: 'text/html',
  css: 'text/css',
  js: 'text/javascript',
  xml: 'application/xml',
  zip: 'application/zip',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  woff: 'font/woff',
  woff2: 'font/woff2',
};

export const mimeFor = (format: string | undefined | null) => (format && MIME_TYPES[format.toLowerCase()]) || 'application/octet-stream';

/** How many leading bytes are enough to sniff any supported header (JPEG EXIF can push SOF far in). */
export const SNIFF_BYTES = 256 * 1024;

const u16be = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u16le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32be = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const u24le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

export function sniffImage(b: Uint8Array): Sniffed | null {
  if (b.length < 12) return null;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpeg(b);
  if (b[0] === 0x89 && ascii(b, 1, 3) === 'PNG') return png(b);
  if (ascii(b, 0, 4) === 'GIF8') return gif(b);
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return webp(b);
  if (ascii(b, 4, 4) === 'ftyp') return isobmff(b);
  // A PDF is an image when its head names its pages' size (what multi writes); others stay raw files.
  if (ascii(b, 0, 5) === '%PDF-') {
    const facts = pdfHeadFacts(b);
    return facts ? { format: 'pdf', ...facts, orientation: 1 } : null;
  }
  if (b[0] === 0x42 && b[1] === 0x4d && b.length >= 26) {
    return {
      format: 'bmp',
      width: b[18] | (b[19] << 8) | (b[20] << 16) | (b[21] << 24),
      height: Math.abs((b[22] | (b[23] << 8) | (b[24] << 16) | (b[25] << 24)) >> 0),
      orientation: 1,
      pages: 1,
    };
  }
  if (ascii(b, 0, 4) === 'II*\u0000' || ascii(b, 0, 4) === 'MM\u0000*')
    return { format: 'tiff', width: 0, height: 0, orientation: 1, pages: 1 };
  return svg(b);
}

function jpeg(b: Uint8Array): Sniffed | null {
  let o = 2;
  let orientation = 1;
  while (o + 9 < b.length) {
    if (b[o] !== 0xff) return null;
    const marker = b[o + 1];
    if (marker === 0xff) {
      o++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      o += 2;
      continue;
    }
    const len = u16be(b, o + 2);
    if (len < 2) return null;
    if (marker === 0xe1 && ascii(b, o + 4, 4) === 'Exif') orientation = exifOrientation(b.subarray(o + 10, o + 2 + len)) ?? 1;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = u16be(b, o + 5);
      const width = u16be(b, o + 7);
      if (!width || !height) return null;
      const cmyk = b[o + 9] === 4;
      const coefficientBytes = jpegCoefficientBytes(b, o, width, height);
      return { format: 'jpg', width, height, orientation, pages: 1, progressive: (marker & 0x03) === 0x02, cmyk, coefficientBytes };
    }
    if (marker === 0xda || marker === 0xd9) return null;
    o += 2 + len;
  }
  return null;
}

function exifOrientation(t: Uint8Array): number | undefined {
  if (t.length < 8) return undefined;
  const le = t[0] === 0x49;
  const r16 = (o: number) => (le ? u16le(t, o) : u16be(t, o));
  const r32 = (o: number) => (le ? (t[o] | (t[o + 1] << 8) | (t[o + 2] << 16) | (t[o + 3] << 24)) >>> 0 : u32be(t, o));
  const ifd = r32(4);
  if (ifd + 2 > t.length) return undefined;
  const n = r16(ifd);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > t.length) break;
    if (r16(e) === 0x0112) {
      const v = r16(e + 8);
      return v >= 1 && v <= 8 ? v : undefined;
    }
  }
  return undefined;
}

function png(b: Uint8Array): Sniffed | null {
  if (ascii(b, 12, 4) !== 'IHDR' || b.length < 24) return null;
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  if (!width || !height) return null;
  let pages = 1;
  // An acTL chunk before IDAT makes it an animated PNG.
  for (let o = 8; o + 8 < b.length;) {
    const len = u32be(b, o);
    const kind = ascii(b, o + 4, 4);
    if (kind === 'acTL' && o + 12 <= b.length) {
      pages = u32be(b, o + 8) || 1;
      break;
    }
    if (kind === 'IDAT') break;
    o += 12 + len;
  }
  return { format: 'png', width, height, orientation: 1, pages };
}

function gif(b: Uint8Array): Sniffed | null {
  const width = u16le(b, 6);
  const height = u16le(b, 8);
  if (!width || !height) return null;
  const frames = gifFrames(b);
  const extent = { width: Math.max(width, frames.right), height: Math.max(height, frames.bottom) };
  const grown = extent.width !== width || extent.height !== height;
  return { format: 'gif', width, height, orientation: 1, pages: Math.max(1, frames.count), ...(grown ? { extent } : {}) };
}

/**
 * Walks a GIF's blocks (as far as the bytes go): how many frames, and how far
 * right and down they reach. A frame may claim far more than its screen
 * (a 1x1 screen with a 65535x65535 frame): decoders allocate the frame.
 */
function gifFrames(b: Uint8Array): { count: number; right: number; bottom: number } {
  const found = { count: 0, right: 0, bottom: 0 };
  let o = 13 + (b[10] & 0x80 ? 3 << ((b[10] & 7) + 1) : 0);
  const skipSubBlocks = (at: number) => {
    while (at < b.length && b[at] !== 0) at += b[at] + 1;
    return at + 1;
  };
  while (o < b.length) {
    const block = b[o];
    if (block === 0x21) o = skipSubBlocks(o + 2);
    else if (block === 0x2c && o + 10 <= b.length) {
      found.count++;
      found.right = Math.max(found.right, u16le(b, o + 1) + u16le(b, o + 5));
      found.bottom = Math.max(found.bottom, u16le(b, o + 3) + u16le(b, o + 7));
      const flags = b[o + 9];
      o += 10 + (flags & 0x80 ? 3 << ((flags & 7) + 1) : 0);
      o = skipSubBlocks(o + 1);
    } else break;
  }
  return found;
}

/** ANMF chunks of an animated WebP (as far as the bytes go; at least 2, since the header says it is animated). */
function webpFrameCount(b: Uint8Array): number {
  let count = 0;
  for (let o = 12; o + 8 <= b.length;) {
    if (ascii(b, o, 4) === 'ANMF') count++;
    const len = (b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24)) >>> 0;
    o += 8 + len + (len & 1);
  }
  return Math.max(2, count);
}

function webp(b: Uint8Array): Sniffed | null {
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ' && b.length >= 30) {
    return { format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, orientation: 1, pages: 1 };
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1, orientation: 1, pages: 1 };
  }
  if (chunk === 'VP8X' && b.length >= 30) {
    const animated = (b[20] & 0x02) !== 0;
    return { format: 'webp', width: u24le(b, 24) + 1, height: u24le(b, 27) + 1, orientation: 1, pages: animated ? webpFrameCount(b) : 1 };
  }
  return null;
}

/** AVIF and HEIC: the brand says which; the `ispe` property box holds the size. */
function isobmff(b: Uint8Array): Sniffed | null {
  const brands = ascii(b, 8, Math.min(u32be(b, 0), 64) - 8);
  const format: ImageFormat | null = /avi[fs]/.test(brands) ? 'avif' : /hei[cxms]|mif1|msf1|hevc/.test(brands) ? 'heic' : null;
  if (!format) return null;
  let width = 0;
  let height = 0;
  for (let i = 0; i + 16 < b.length; i++) {
    if (b[i] === 0x69 && b[i + 1] === 0x73 && b[i + 2] === 0x70 && b[i + 3] === 0x65) {
      const w = u32be(b, i + 8);
      const h = u32be(b, i + 12);
      if (w * h > width * height) {
        width = w;
        height = h;
      }
    }
  }
  if (format === 'heic') {
    const heif = readHeif(b);
    if (heif) return heic(heif);
  }
  if (!width || !height) return null;
  // The decoder allocates what the coded stream says, whatever `ispe` claims.
  const coded = format === 'avif' ? av1CodedSize(b) : undefined;
  const extent =
    coded && (coded.width > width || coded.height > height)
      ? { width: Math.max(width, coded.width), height: Math.max(height, coded.height) }
      : undefined;
  return { format, width, height, orientation: 1, pages: 1, ...(extent ? { extent } : {}) };
}

/** Coding pads a picture to whole coding blocks (8-64 pixels): an SPS that much larger than `ispe` is no lie. */
const CODING_PAD = 64;

/**
 * HEIC: the primary image's size (a grid's output size, else `ispe`), its
 * irot/imir as an orientation, and, when an SPS codes more than the tiles'
 * `ispe` claims, the size the tiles will really decode to.
 */
function heic(h: NonNullable<ReturnType<typeof readHeif>>): Sniffed {
  const c = h.coded;
  const lie = c && (c.width > h.tileWidth + CODING_PAD || c.height > h.tileHeight + CODING_PAD);
  const extent = lie ? { width: Math.max(h.width, c.width * h.columns), height: Math.max(h.height, c.height * h.rows) } : undefined;
  return { format: 'heic', width: h.width, height: h.height, orientation: h.orientation, pages: 1, ...(extent ? { extent } : {}) };
}

/** CSS pixels per unit (96 per inch), for SVG sizes written in physical units. */
const SVG_UNITS: Record<string, number> = { px: 1, pt: 96 / 72, pc: 16, mm: 96 / 25.4, cm: 96 / 2.54, in: 96 };

function svg(b: Uint8Array): Sniffed | null {
  const head = new TextDecoder().decode(b.subarray(0, Math.min(b.length, 4096)));
  const m = /<svg\b[^>]*>/i.exec(head);
  if (!m || !/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg\b/i.test(head)) return null;
  const tag = m[0];
  const attr = (n: string) => {
    const m = new RegExp(`\\s${n}\\s*=\\s*["']\\s*([0-9.]+)\\s*(px|pt|pc|mm|cm|in)?\\s*["']`, 'i').exec(tag);
    return m ? Number(m[1]) * SVG_UNITS[(m[2] ?? 'px').toLowerCase()] : 0;
  };
  let width = attr('width');
  let height = attr('height');
  const vb = /viewBox\s*=\s*["']\s*[-0-9.]+[\s,]+[-0-9.]+[\s,]+([0-9.]+)[\s,]+([0-9.]+)\s*["']/i.exec(tag);
  if ((!width || !height) && vb) {
    const vw = Number(vb[1]);
    const vh = Number(vb[2]);
    if (!width && !height) {
      width = vw;
      height = vh;
    } else if (!width) width = (height * vw) / vh;
    else height = (width * vh) / vw;
  }
  return { format: 'svg', width: Math.round(width) || 300, height: Math.round(height) || 150, orientation: 1, pages: 1 };
}

/** Orientations 5-8 swap width and height when applied. */
export const orientedSize = (s: Pick<Sniffed, 'width' | 'height' | 'orientation'>) =>
  s.orientation >= 5 ? { width: s.height, height: s.width } : { width: s.width, height: s.height };
