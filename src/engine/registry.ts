import { TRANSFORMATION_KEYS } from './keys';
import { a } from './params/angle';
import { ar, c, dpr, g, h, w, x, y, z } from './params/geometry';
import { b } from './params/background';
import { cs } from './params/colour-space';
import { e } from './params/effect';
import { l, u } from './params/layer';
import { f, fl, q } from './params/output';
import { d } from './params/default-image';
import { pg } from './params/page';
import { dl } from './params/delay';
import { bo, co, o, r } from './params/shape';
import type { ParamEntry, Registry } from './registry-types';
import type { ParamKey } from './types';

/**
 * Every parameter this worker executes, one entry each. Adding a parameter
 * means adding its entry (and its key to `Params`); every other key of
 * TRANSFORMATION_KEYS is recognised by the URL parser and refused by the
 * transformation parser as not supported.
 */
export const REGISTRY = { w, h, ar, c, g, x, y, z, dpr, b, a, f, q, fl, cs, d, e, co, o, r, bo, l, u, pg, dl } satisfies Registry;

export function entryFor(key: string): ParamEntry<ParamKey> | undefined {
  return Object.hasOwn(REGISTRY, key) ? (REGISTRY[key as ParamKey] as unknown as ParamEntry<ParamKey>) : undefined;
}

/** The implemented keys are a subset of the grammar's keys; a key outside it could never reach us from a URL. */
for (const key of Object.keys(REGISTRY)) {
  if (!TRANSFORMATION_KEYS.has(key)) throw new Error(`registry key ${key} is missing from TRANSFORMATION_KEYS`);
}

/** Keys the parser reads itself: `if_` conditions select components rather than set a parameter (expressions/). */
export const PARSER_KEYS = ['if'];

/** Keys of the grammar that neither the registry nor the parser implements. */
export const UNSUPPORTED_KEYS = [...TRANSFORMATION_KEYS].filter((k) => !Object.hasOwn(REGISTRY, k) && !PARSER_KEYS.includes(k));
