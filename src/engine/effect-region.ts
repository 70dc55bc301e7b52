import type { Params } from './types';

/**
 * Effects that read `x_`, `y_`, `w_`, `h_` as the region they change
 * (`e_blur_region`, `e_pixelate_region`), as Cloudinary does: in their
 * component those four are not a crop or a resize.
 */
const REGION_EFFECTS: ReadonlySet<string> = new Set(['blur_region', 'pixelate_region']);

const ownsRegion = (p: Params) => p.e !== undefined && REGION_EFFECTS.has(p.e.name);

/** The component's parameters as the geometry should see them. */
export function geometryParams(p: Params): Params {
  if (!ownsRegion(p)) return p;
  const rest = { ...p };
  delete rest.x;
  delete rest.y;
  delete rest.w;
  delete rest.h;
  return rest;
}
