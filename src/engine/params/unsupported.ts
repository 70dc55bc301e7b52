import { badRequest } from '../../errors';

/**
 * Cloudinary keys this worker recognises (so a URL segment made of them is a
 * transformation, not a folder) but does not execute. Each answers 400 saying
 * so, never silently ignored. `t_` is expanded before parsing (named.ts).
 */
const REASONS: Record<string, string> = {
  t: 'Named transformations (t_) cannot be used here',
  dn: 'Density (dn_) is not supported',
  fn: 'Custom functions (fn_) are not supported',
  p: 'Prefixes (p_) are not supported',
};
const VIDEO_KEYS = ['ac', 'af', 'br', 'du', 'eo', 'fps', 'ki', 'so', 'sp', 'vc', 'vs'];

export function unsupported(key: string): Error {
  if (key.startsWith('$')) return badRequest(`User-defined variables are not supported: ${key}`);
  if (VIDEO_KEYS.includes(key)) return badRequest(`Video transformation parameter ${key}_ is not supported`);
  return badRequest(REASONS[key] ?? `Transformation parameter ${key}_ is not supported`);
}
