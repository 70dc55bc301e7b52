import type { ResourceRow } from '../../storage/resources';
import { coordinatesOf } from './semantic';

/**
 * The face rectangles given with `face_coordinates`, as Cloudinary echoes them
 * in `faces`: each `[x, y, width, height]` clamped to the image. Null when
 * none were given (the detected faces stand then).
 */
export function givenFaces(r: Pick<ResourceRow, 'coordinates' | 'width' | 'height'>): number[][] | null {
  const faces = coordinatesOf(r.coordinates)?.faces;
  if (!faces?.length) return null;
  const w = r.width ?? 0;
  const h = r.height ?? 0;
  return faces.map(([x, y, fw, fh]) => {
    const cx = Math.min(Math.max(0, x), Math.max(0, w - 1));
    const cy = Math.min(Math.max(0, y), Math.max(0, h - 1));
    return [cx, cy, Math.max(0, Math.min(fw, w - cx)), Math.max(0, Math.min(fh, h - cy))];
  });
}
