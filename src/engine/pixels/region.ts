import type { Raster } from '../raster';

/** A rectangle in pixels of the image it applies to. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The part of `region` inside the image (may be empty). */
function clipRegion(region: Region, w: number, h: number): Region {
  const x0 = Math.max(0, Math.min(w, Math.round(region.x)));
  const y0 = Math.max(0, Math.min(h, Math.round(region.y)));
  const x1 = Math.max(x0, Math.min(w, Math.round(region.x + region.width)));
  const y1 = Math.max(y0, Math.min(h, Math.round(region.y + region.height)));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * `e_blur_region` / `e_pixelate_region`: runs `op` on the region's pixels
 * alone (its edges clamp to the region, so nothing outside leaks in) and
 * writes the result back; the rest of the image is untouched.
 */
export function withinRegion(img: Raster, region: Region, op: (part: Raster) => Raster): Raster {
  const r = clipRegion(region, img.width, img.height);
  if (!r.width || !r.height) return img;
  const part = new Uint8Array(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) {
    const s = ((r.y + y) * img.width + r.x) * 4;
    part.set(img.data.subarray(s, s + r.width * 4), y * r.width * 4);
  }
  const done = op({ data: part, width: r.width, height: r.height });
  const data = img.data.slice();
  for (let y = 0; y < r.height; y++)
    data.set(done.data.subarray(y * r.width * 4, (y + 1) * r.width * 4), ((r.y + y) * img.width + r.x) * 4);
  return { data, width: img.width, height: img.height };
}
