import { badRequest } from '../errors';
import { decodeSegment } from '../protocol/delivery-url';
import { namedTransformations, type NamedTransformation } from '../config/collections';

/**
 * `t_<name>` (and `t_<a>.<b>`): replaced by the named transformations'
 * components before parsing, so the canonical string (and with it the cache
 * key and the derived object) follows the definition, and a changed
 * definition never serves a stale image. Definitions may use `t_` themselves
 * (nested); a cycle or a chain deeper than MAX_DEPTH is refused.
 */
export type NamedLookup = (name: string) => Promise<NamedTransformation | undefined>;

/** Names looked up in the cloud's named-transformation store (KV, cached per isolate). */
export function namedLookupFor(kv: KVNamespace, cloud: string): NamedLookup {
  const store = namedTransformations(kv, cloud);
  return (name) => store.get(name);
}

const MAX_DEPTH = 5;

const itemKey = (item: string) => item.slice(0, Math.max(0, item.indexOf('_')));

/**
 * Expands every `t_` item of `components`. `encoded` says whether the strings are
 * still percent-encoded (URL components); the expansion is written in the same form.
 */
export async function expandNamed(components: string[], lookup: NamedLookup, encoded: boolean, seen: string[] = []): Promise<string[]> {
  const out: string[] = [];
  for (const component of components) {
    const items = component.split(',');
    const named = items.filter((i) => itemKey(i) === 't');
    if (!named.length) {
      out.push(component);
      continue;
    }
    if (named.length > 1) throw badRequest(`Invalid transformation component: ${component}`);
    const rawNames = named[0].slice(2);
    const names = (encoded ? decodeSegment(rawNames) : rawNames).split('.');
    for (const name of names) out.push(...(await expandOne(name, lookup, encoded, seen)));
    // Other items of the same component run after the named ones, as their own component.
    const rest = items.filter((i) => itemKey(i) !== 't');
    if (rest.length) out.push(rest.join(','));
  }
  return out;
}

async function expandOne(name: string, lookup: NamedLookup, encoded: boolean, seen: string[]): Promise<string[]> {
  if (!name) throw badRequest('Invalid transformation name: (empty)');
  if (seen.includes(name)) throw badRequest(`Named transformation ${name} refers to itself`);
  if (seen.length >= MAX_DEPTH) throw badRequest(`Named transformations nested deeper than ${MAX_DEPTH}: ${[...seen, name].join(' > ')}`);
  const entry = await lookup(name);
  // Entries with named === false hold settings of an unnamed transformation string: they are not names.
  if (!entry || entry.named === false) throw badRequest(`Transformation ${name} not found`);
  const own = entry.transformation.split('/').filter(Boolean);
  if (entry.format) own.push(`f_${entry.format}`);
  const written = encoded ? own.map((c) => c.split(',').map(encodeURIComponent).join(',')) : own;
  return expandNamed(written, lookup, encoded, [...seen, name]);
}
