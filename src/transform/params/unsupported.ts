import { badRequest } from '../../errors';

/**
 * Cloudinary keys this worker recognises (so a URL segment made of them is a
 * transformation, not a folder) but does not execute. Each answers 400 saying
 * so, never silently ignored. Effects and overlays arrive with later work.
 */
const REASONS: Record<string, string> = {
  e: 'Effects (e_) are not supported yet',
  l: 'Overlays (l_) are not supported yet',
  u: 'Underlays (u_) are not supported yet',
  t: 'Named transformations (t_) are not supported yet',
  co: 'Colour (co_) is not supported yet',
  bo: 'Borders (bo_) are not supported yet',
  o: 'Opacity (o_) is not supported yet',
  r: 'Rounded corners (r_) are not supported yet',
  d: 'Default images (d_) are not supported yet',
  if: 'Conditional transformations (if_) are not supported',
  pg: 'Pages (pg_) are not supported',
  dn: 'Density (dn_) is not supported',
  cs: 'Colour spaces (cs_) are not supported',
  fn: 'Custom functions (fn_) are not supported',
  p: 'Prefixes (p_) are not supported',
};
const VIDEO_KEYS = ['ac', 'af', 'br', 'du', 'eo', 'fps', 'ki', 'so', 'sp', 'vc', 'vs', 'dl'];

export function unsupported(key: string): Error {
  if (key.startsWith('$')) return badRequest(`User-defined variables are not supported: ${key}`);
  if (VIDEO_KEYS.includes(key)) return badRequest(`Video transformation parameter ${key}_ is not supported`);
  return badRequest(REASONS[key] ?? `Transformation parameter ${key}_ is not supported`);
}
