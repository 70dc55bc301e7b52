import { badRequest } from '../../errors';
import type { ParamEntry } from '../registry-types';
import { invalid } from '../values';

/** `pg_<n>`: which frame of an animated GIF the transformation starts from (the engine's decode reads it). */
export const pg: ParamEntry<'pg'> = {
  key: 'pg',
  parse(raw) {
    if (/^[\d;,-]+$/.test(raw) && /[;,-]/.test(raw)) throw badRequest(`Page ranges (pg_${raw}) are not supported`);
    if (raw.startsWith('name:') || raw.startsWith('embedded:')) throw badRequest(`Named pages (pg_${raw}) are not supported`);
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 100000) throw invalid('page', raw);
    return Number(raw);
  },
  canonical: String,
  effect: 'geometry',
};
