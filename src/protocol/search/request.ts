import { badRequest } from '../../errors';
import type { Params } from '../params';
import { parseExpression } from './parser';
import { SORT_FIELDS, type SortField } from './fields';
import type { SearchNode } from './ast';

export interface SortKey {
  field: SortField;
  dir: 'asc' | 'desc';
}

/** A bucket of a range aggregation: `from` inclusive, `to` exclusive, either open. */
interface Bucket {
  key: string;
  from?: number;
  to?: number;
}

export type Aggregation =
  { kind: 'values'; field: 'format' | 'resource_type' | 'type' } | { kind: 'ranges'; field: 'bytes' | 'pixels'; buckets: Bucket[] };

type WithField = 'tags' | 'context' | 'metadata' | 'image_metadata';

/** A search request (`POST resources/search`), checked. */
export interface SearchRequest {
  expression: SearchNode;
  sort: SortKey[];
  maxResults: number;
  cursor?: string;
  aggregate: Aggregation[];
  withField: Set<WithField>;
  /** `fields`: the keys each resource keeps (besides the ones always kept); undefined keeps all. */
  fields?: string[];
}

const KB = 1024;
const MB = 1024 * KB;
/** Ranges used when `aggregate` names `bytes` or `pixels` without its own ranges. */
const DEFAULT_BUCKETS: Record<'bytes' | 'pixels', Bucket[]> = {
  bytes: [
    { key: 'tiny', to: 50 * KB },
    { key: 'small', from: 50 * KB, to: 500 * KB },
    { key: 'medium', from: 500 * KB, to: 5 * MB },
    { key: 'large', from: 5 * MB, to: 50 * MB },
    { key: 'huge', from: 50 * MB },
  ],
  pixels: [
    { key: 'tiny', to: 100_000 },
    { key: 'small', from: 100_000, to: 1_000_000 },
    { key: 'medium', from: 1_000_000, to: 6_000_000 },
    { key: 'large', from: 6_000_000, to: 25_000_000 },
    { key: 'huge', from: 25_000_000 },
  ],
};

/** What `with_field` can add; others (`image_analysis`, ...) are a 400 rather than silently absent. */
const WITH_FIELDS: readonly WithField[] = ['tags', 'context', 'metadata', 'image_metadata'];
const MAX_RESULTS = 500;
const DEFAULT_MAX_RESULTS = 50;

/** JSON items arrive as strings (`{"created_at":"desc"}`); objects are decoded. */
function jsonOrString(raw: string): unknown {
  if (!raw.startsWith('{')) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest(`Invalid JSON value: ${raw}`);
  }
}

function parseSort(p: Params): SortKey[] {
  const items = p.list('sort_by').map(jsonOrString);
  const keys = items.map((item): SortKey => {
    const [field, dir] = typeof item === 'string' ? [item, 'desc'] : (Object.entries(item as object)[0] ?? []);
    if (!(SORT_FIELDS as readonly string[]).includes(String(field))) throw badRequest(`Invalid sort_by field ${String(field)}`);
    if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Invalid sort_by direction ${String(dir)} (asc or desc)`);
    return { field: field as SortField, dir };
  });
  if (keys.length > 3) throw badRequest('sort_by takes at most 3 fields');
  return keys.length ? keys : [{ field: 'created_at', dir: 'desc' }];
}

function parseAggregation(raw: string): Aggregation {
  const item = jsonOrString(raw);
  if (typeof item === 'string') {
    if (item === 'format' || item === 'resource_type' || item === 'type') return { kind: 'values', field: item };
    if (item === 'bytes' || item === 'pixels') return { kind: 'ranges', field: item, buckets: DEFAULT_BUCKETS[item] };
    throw badRequest(`Invalid aggregate field ${item} (format, resource_type, type, bytes, pixels)`);
  }
  const o = item as { type?: unknown; ranges?: unknown };
  if ((o.type !== 'bytes' && o.type !== 'pixels') || !Array.isArray(o.ranges) || !o.ranges.length || o.ranges.length > 20) {
    throw badRequest('Invalid aggregate: expected {"type": "bytes"|"pixels", "ranges": [{"key", "from", "to"}]}');
  }
  const buckets = o.ranges.map((r: { key?: unknown; from?: unknown; to?: unknown }): Bucket => {
    const ok = typeof r.key === 'string' && [r.from, r.to].every((v) => v === undefined || (typeof v === 'number' && Number.isFinite(v)));
    if (!ok) throw badRequest('Invalid aggregate range: key must be a string, from and to numbers');
    return { key: r.key as string, from: r.from as number | undefined, to: r.to as number | undefined };
  });
  return { kind: 'ranges', field: o.type, buckets };
}

export function parseSearchRequest(p: Params, now = Date.now()): SearchRequest {
  const max = p.int('max_results') ?? DEFAULT_MAX_RESULTS;
  if (max < 1 || max > MAX_RESULTS) throw badRequest(`Invalid max_results ${max} (1 to ${MAX_RESULTS})`);
  const withField = new Set<WithField>();
  for (const f of p.list('with_field')) {
    if (!(WITH_FIELDS as readonly string[]).includes(f)) throw badRequest(`Invalid with_field ${f} (${WITH_FIELDS.join(', ')})`);
    withField.add(f as WithField);
  }
  const fields = p.list('fields');
  return {
    expression: parseExpression(p.string('expression') ?? '', now),
    sort: parseSort(p),
    maxResults: max,
    cursor: p.string('next_cursor') || undefined,
    aggregate: p.list('aggregate').map(parseAggregation),
    withField,
    fields: fields.length ? fields : undefined,
  };
}
