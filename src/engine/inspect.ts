import { badRequest } from '../errors';
import { sniffImage, type ImageFormat, type Sniffed } from './sniff';
import { readHeif } from './heif-container';

/**
 * What the engine learns from a source before any decoder sees it: format,
 * size and orientation from the header, and whether the file is complete
 * enough to decode. photon answers a truncated or malformed file with a WASM
 * trap (and leaks the memory it had taken), so these checks come first.
 */
export interface SourceInfo extends Sniffed {
  /** Lossy pixels (JPEG, lossy WebP, AVIF): WebP/AVIF outputs stay lossy. */
  lossy: boolean;
}

/** Formats the engine can decode. */
const DECODABLE = new Set<ImageFormat>(['jpg', 'png', 'gif', 'webp', 'avif', 'heic', 'svg']);

export function inspectSource(bytes: Uint8Array): SourceInfo {
  if (bytes.length === 0) throw badRequest('Invalid image file: empty');
  const s = sniffImage(bytes);
  if (!s) throw badRequest('Invalid image file: not a supported image format');
  if (!DECODABLE.has(s.format))
    throw badRequest(`Transformations of ${s.format.toUpperCase()} images are not supported (input format not supported)`);
  if (!(s.width > 0 && s.height > 0)) throw badRequest('Invalid image file: no dimensions in the header');
  const problem = STRUCTURE[s.format]?.(bytes);
  if (problem) throw badRequest(`Invalid image file: ${problem}`);
  return { ...s, lossy: s.format === 'jpg' || s.format === 'avif' || s.format === 'heic' || (s.format === 'webp' && isLossyWebp(bytes)) };
}

const u32be = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const u32le = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const tag = (b: Uint8Array, o: number) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);

/** Each returns a reason when the file cannot be complete, or undefined. */
const STRUCTURE: Partial<Record<ImageFormat, (b: Uint8Array) => string | undefined>> = {
  jpg(b) {
    // A complete JPEG has a scan and ends with EOI (some writers append a few bytes after it).
    let o = 2;
    let scan = false;
    while (o + 4 <= b.length) {
      if (b[o] !== 0xff) return 'corrupt JPEG marker';
      const m = b[o + 1];
      if (m === 0xff) {
        o++;
        continue;
      }
      if (m === 0xd9) return 'JPEG ends before its image data';
      if (m === 0xda) {
        scan = true;
        break;
      }
      if ((m >= 0xd0 && m <= 0xd7) || m === 0x01) {
        o += 2;
        continue;
      }
      o += 2 + ((b[o + 2] << 8) | b[o + 3]);
    }
    if (!scan) return 'truncated JPEG (no image data)';
    const tail = b.subarray(Math.max(o, b.length - 4096));
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return undefined;
    return 'truncated JPEG (no end marker)';
  },
  png(b) {
    let o = 8;
    let idat = false;
    while (o + 12 <= b.length) {
      const len = u32be(b, o);
      const kind = tag(b, o + 4);
      if (len > b.length - o - 12) return 'truncated PNG chunk';
      if (kind === 'IDAT') idat = true;
      if (kind === 'IEND') return idat ? undefined : 'PNG without image data';
      o += 12 + len;
    }
    return 'truncated PNG (no IEND chunk)';
  },
  gif(b) {
    // Header (13) + optional colour table, then at least one image descriptor.
    return b.length > 20 && b.includes(0x2c, 13) ? undefined : 'GIF without an image';
  },
  webp(b) {
    const size = u32le(b, 4) + 8;
    return size <= b.length + 1 ? undefined : 'truncated WebP';
  },
  avif: (b) => (b.length >= 64 ? undefined : 'truncated AVIF'),
  heic: (b) => {
    const h = readHeif(b);
    // The alpha plane's tiles too: they are decoded beside the colour's.
    const tiles = h ? [...h.tiles, ...(h.alpha?.tiles ?? [])] : [];
    return h && tiles.every((t) => t.extents.every((e) => e.end <= b.length)) ? undefined : 'HEIC data ends early';
  },
};

function isLossyWebp(b: Uint8Array, inFrame = false): boolean {
  for (let o = 12; o + 8 <= b.length;) {
    const kind = tag(b, o);
    if (kind === 'VP8 ') return true;
    if (kind === 'VP8L') return false;
    // An animation: its first frame's image chunk (after the 16-byte frame header, and an ALPH chunk when there is one).
    if (kind === 'ANMF' && !inFrame) return isLossyWebp(b.subarray(o + 8 + 16 - 12, o + 8 + u32le(b, o + 4)), true);
    o += 8 + u32le(b, o + 4) + (u32le(b, o + 4) & 1);
  }
  return false;
}
