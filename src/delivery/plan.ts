import { parseTransformation } from '../engine/parse';
import { expandNamed, namedLookupFor } from '../services/named-transformations';
import type { Checked, Planned } from './context';

/**
 * Stage "plan the transformation", the only place delivery expands named
 * transformations and parses: every later stage (cache key, default image,
 * derived image) reads this plan. The cache key follows what `t_` names
 * expand to, so a changed definition is a new key.
 */
export async function planTransformation(c: Checked): Promise<Planned> {
  const components = await expandNamed(c.d.transformations, namedLookupFor(c.env.CONFIG, c.d.cloud), true);
  return { ...c, planned: { components, plan: parseTransformation(components, { encoded: true }) } };
}
