import { badRequest } from '../../errors';
import { sniffImage } from '../sniff';
import { guardDecoder } from '../codecs/guard';
import { photonDecode, photonRelease, photonToRaster } from '../codecs/photon';
import { orient } from '../raster';

/** Pixels as analysis reads them: 8-bit RGBA, row after row (the engine's Raster). */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Decodes an image for analysis with the transformation engine's decoders
 * (photon for JPEG, PNG, GIF and WebP; AVIF through its own codec), upright
 * as its EXIF orientation says. The header is read first so an image beyond
 * the decode limit is refused before a decoder allocates its pixels.
 */
export async function decodeRgba(bytes: Uint8Array, maxPixels: number): Promise<Rgba> {
  const head = sniffImage(bytes);
  if (!head) throw badRequest('Invalid image file');
  if (head.width * head.height > maxPixels) {
    throw badRequest(`Image too large to analyse: ${head.width}x${head.height}. Maximum is ${maxPixels} pixels.`);
  }
  if (head.format === 'avif') {
    const { decodeAvif } = await import('../codecs/avif');
    return guardDecoder('AVIF', () => decodeAvif(bytes));
  }
  if (!['jpg', 'png', 'gif', 'webp'].includes(head.format))
    throw badRequest(`Colors and pHash are not available for ${head.format} images`);
  return guardDecoder(head.format.toUpperCase(), async () => {
    const img = photonDecode(bytes);
    try {
      return orient(photonToRaster(img), head.orientation);
    } finally {
      img.free();
      photonRelease();
    }
  });
}

/**
 * Shrinks by area averaging: every source pixel counts in proportion to how
 * much of it a target pixel covers, so fine detail averages out instead of
 * aliasing (what a perceptual hash and a colour histogram need). Never enlarges.
 */
export function shrink(src: Rgba, width: number, height: number): Rgba {
  const w = Math.max(1, Math.min(width, src.width));
  const h = Math.max(1, Math.min(height, src.height));
  const out = new Float64Array(w * h * 4);
  const sx = src.width / w;
  const sy = src.height / h;
  for (let ty = 0; ty < h; ty++) {
    const y0 = ty * sy;
    const y1 = y0 + sy;
    for (let y = Math.floor(y0); y < Math.min(src.height, Math.ceil(y1)); y++) {
      const wy = Math.min(y1, y + 1) - Math.max(y0, y);
      for (let tx = 0; tx < w; tx++) {
        const x0 = tx * sx;
        const x1 = x0 + sx;
        const o = (ty * w + tx) * 4;
        for (let x = Math.floor(x0); x < Math.min(src.width, Math.ceil(x1)); x++) {
          const wt = wy * (Math.min(x1, x + 1) - Math.max(x0, x));
          const i = (y * src.width + x) * 4;
          out[o] += src.data[i] * wt;
          out[o + 1] += src.data[i + 1] * wt;
          out[o + 2] += src.data[i + 2] * wt;
          out[o + 3] += src.data[i + 3] * wt;
        }
      }
    }
  }
  const area = sx * sy;
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(out[i] / area);
  return { width: w, height: h, data };
}

/** Fits within `max` x `max`, keeping the aspect ratio. */
export function shrinkToFit(src: Rgba, max: number): Rgba {
  const scale = Math.min(1, max / Math.max(src.width, src.height));
  return shrink(src, Math.round(src.width * scale), Math.round(src.height * scale));
}
