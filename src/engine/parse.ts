import { badRequest } from '../errors';
import { decodeSegment } from './values';
import { TRANSFORMATION_KEYS } from './keys';
import { unsupported } from './params/unsupported';
import { entryFor } from './registry';
import { fl } from './params/output';
import { emptyDynamic, hasDynamic, readAssignment, readAutoWidth, readCondition, readDeferred } from './expressions/component';
import type { Component, OutputSpec, ParamKey, Params, Plan } from './types';

export interface ParseContext {
  /** Where the string came from: URL components are still percent-encoded, API strings are not. */
  encoded?: boolean;
}

/** The most components one transformation may chain (a guard against pathological URLs). */
const MAX_COMPONENTS = 20;

/**
 * Parses transformation components (`['c_fill,w_100', 'a_90']`, or the same
 * joined with `/`) into a typed plan. Items are `key_value`; their order inside
 * a component never matters, so the canonical string sorts them by key.
 */
export function parseTransformation(components: string[] | string, ctx: ParseContext = {}): Plan {
  const list = (typeof components === 'string' ? components.split('/') : components).filter((s) => s !== '');
  if (list.length > MAX_COMPONENTS) throw badRequest(`Too many chained transformations (maximum ${MAX_COMPONENTS})`);
  const parsed = list.map((s) => parseComponent(s, ctx));
  const output: OutputSpec = { flags: new Set() };
  for (const { params } of parsed) {
    if (params.f) output.format = params.f;
    if (params.q) output.quality = params.q;
    if (params.cs) output.colourSpace = params.cs;
    for (const name of params.fl?.names ?? []) output.flags.add(name);
    if (params.fl?.attachmentName) output.attachmentName = params.fl.attachmentName;
  }
  const quality = output.quality;
  return {
    components: parsed,
    output,
    canonical: parsed
      .map((p) => p.canonical)
      .filter(Boolean)
      .join('/'),
    dependsOn: {
      accept: output.format === 'auto' || quality?.kind === 'auto',
      dpr: parsed.some((p) => p.params.dpr === 'auto'),
      width: parsed.some((p) => p.dynamic?.autoWidth),
    },
  };
}

function parseComponent(segment: string, ctx: ParseContext): Component {
  const params: Params = {};
  const items = new Map<string, string>();
  const dynamic = emptyDynamic();
  // `if_` and `$name_` lead the canonical component, in the order written (an assignment may use an earlier one).
  const leading: string[] = [];
  for (const rawItem of segment.split(',')) {
    if (rawItem === '') continue;
    const item = ctx.encoded === false ? rawItem : decodeSegment(rawItem);
    const i = item.indexOf('_');
    const key = i > 0 ? item.slice(0, i) : item;
    const given = i > 0 ? item.slice(i + 1) : '';
    // Flags may come as several items (`fl_layer_apply,fl_no_overflow`, as the framework integrations write them): one list.
    const raw = key === 'fl' && params.fl && given ? `${fl.canonical(params.fl)}.${given}` : given;
    if (key === 'if') {
      readCondition(dynamic, raw);
      leading.unshift(item);
      continue;
    }
    if (key.startsWith('$')) {
      readAssignment(dynamic, key, raw);
      leading.push(item);
      continue;
    }
    const entry = entryFor(key);
    if (!entry) {
      if (TRANSFORMATION_KEYS.has(key)) throw unsupported(key);
      throw badRequest(`Invalid transformation component: ${item}`);
    }
    if (raw === '') throw badRequest(`Invalid ${key} in transformation: (empty)`);
    if (key === 'w' && /^auto\b/.test(raw)) {
      readAutoWidth(dynamic, raw);
      items.set(key, item);
      continue;
    }
    try {
      (params as Record<ParamKey, unknown>)[entry.key] = entry.parse(raw);
    } catch (err) {
      if (!readDeferred(dynamic, key, raw)) throw err;
      items.set(key, item);
      continue;
    }
    items.set(key, `${key}_${entry.canonical(params[entry.key] as never)}`);
  }
  const sorted = [...items.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  const canonical = [...leading, ...sorted].join(',');
  return hasDynamic(dynamic) ? { params, canonical, dynamic } : { params, canonical };
}
