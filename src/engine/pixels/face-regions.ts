import type { Raster } from '../raster';
import type { Area } from '../types';

/**
 * Runs `filter` on each face of the image and writes the result back in
 * place of the face (a new raster; the input is untouched). Faces are
 * clamped to the image; the filter sees only the face, so a blur does not
 * pull in the background and a pixelated block never spans two faces.
 */
export function filterFaces(img: Raster, faces: Area[] | undefined, filter: (face: Raster) => Raster): Raster {
  if (!faces?.length) return img;
  const out: Raster = { width: img.width, height: img.height, data: img.data.slice() };
  for (const f of faces) {
    const x0 = Math.max(0, Math.floor(f.x));
    const y0 = Math.max(0, Math.floor(f.y));
    const x1 = Math.min(img.width, Math.ceil(f.x + f.width));
    const y1 = Math.min(img.height, Math.ceil(f.y + f.height));
    if (x1 <= x0 || y1 <= y0) continue;
    const w = x1 - x0;
    const part: Raster = { width: w, height: y1 - y0, data: new Uint8Array(w * (y1 - y0) * 4) };
    for (let y = y0; y < y1; y++) part.data.set(out.data.subarray((y * img.width + x0) * 4, (y * img.width + x1) * 4), (y - y0) * w * 4);
    const done = filter(part);
    for (let y = y0; y < y1; y++) out.data.set(done.data.subarray((y - y0) * w * 4, (y - y0 + 1) * w * 4), (y * img.width + x0) * 4);
  }
  return out;
}
