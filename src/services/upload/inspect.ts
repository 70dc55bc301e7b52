import { badRequest } from '../../errors';
import type { Limits } from '../../config/limits';
import { orientedSize, sniffImage, type Sniffed } from '../../engine/sniff';
import type { StagedFile } from './staging';
import { extensionOf } from './source';

/** What a received file is, decided from its bytes before anything is stored or decoded. */
export interface Inspected {
  resourceType: 'image' | 'raw';
  format: string | null;
  width: number | null;
  height: number | null;
  pages: number | null;
  sniffed: Sniffed | null;
}

const ascii = (b: Uint8Array) => String.fromCharCode(...b);

/**
 * A decoder would fail later on a file cut short; its last bytes say so now.
 * Each format ends with a known marker (or, for RIFF, states its own length).
 */
const COMPLETE: Partial<Record<Sniffed['format'], (tail: Uint8Array, head: Uint8Array, bytes: number) => boolean>> = {
  jpg: (t) => {
    for (let i = t.length - 2; i >= 0; i--) if (t[i] === 0xff && t[i + 1] === 0xd9) return true;
    return false;
  },
  png: (t) => ascii(t).includes('IEND'),
  gif: (t) => t.includes(0x3b),
  webp: (_t, h, bytes) => (h[4] | (h[5] << 8) | (h[6] << 16) | (h[7] << 24)) + 8 <= bytes,
};

/**
 * `resource_type=auto` becomes image when the bytes are an image, raw
 * otherwise; `image` refuses anything else. Sizes come from the header.
 */
export function inspectFile(file: StagedFile, requested: 'image' | 'raw' | 'auto', filename: string | null, limits: Limits): Inspected {
  if (file.bytes === 0) throw badRequest('Empty file');
  const sniffed = requested === 'raw' ? null : sniffImage(file.head);
  if (requested === 'image' && !sniffed) throw badRequest('Invalid image file');
  if (!sniffed) return { resourceType: 'raw', format: extensionOf(filename), width: null, height: null, pages: null, sniffed: null };
  if (sniffed.width * sniffed.height > limits.maxImagePixels) {
    throw badRequest(`Image too large. Got ${sniffed.width}x${sniffed.height} pixels. Maximum is ${limits.maxImagePixels} pixels.`);
  }
  const complete = COMPLETE[sniffed.format];
  if (complete && !complete(file.tail, file.head, file.bytes)) throw badRequest('Invalid image file: the file is truncated');
  const size = sniffed.width ? orientedSize(sniffed) : null;
  return {
    resourceType: 'image',
    format: sniffed.format,
    width: size?.width ?? null,
    height: size?.height ?? null,
    pages: sniffed.pages,
    sniffed,
  };
}
