import { badRequest } from '../errors';
import type { Params } from './params';
import { RESOURCE_TYPES } from './delivery-url';

/** Cloudinary's page sizes: 10 unless asked, at most 500. */
const DEFAULT_MAX_RESULTS = 10;
const MAX_RESULTS_LIMIT = 500;

export type Direction = 'asc' | 'desc';

/** What every resource listing reads from its request, parsed and checked. */
export interface ListOptions {
  maxResults: number;
  cursor?: string;
  direction: Direction;
  withTags: boolean;
  withContext: boolean;
  /** `metadata=true`: each resource's structured metadata. */
  withMetadata: boolean;
  withModerations: boolean;
  /** `fields=`: the keys each resource keeps (besides public_id, asset_id, folder). */
  fields?: string[];
  startAt?: string;
}

export function parseMaxResults(p: Params, fallback = DEFAULT_MAX_RESULTS): number {
  const n = p.int('max_results');
  if (n === undefined) return fallback;
  if (n < 1 || n > MAX_RESULTS_LIMIT) throw badRequest(`max_results must be between 1 and ${MAX_RESULTS_LIMIT}, got ${n}`);
  return n;
}

const DIRECTIONS: Record<string, Direction> = { asc: 'asc', '1': 'asc', desc: 'desc', '-1': 'desc' };

export function parseListOptions(p: Params): ListOptions {
  const rawDirection = (p.string('direction') ?? '').toLowerCase();
  const direction = rawDirection === '' ? 'desc' : DIRECTIONS[rawDirection];
  if (!direction) throw badRequest(`Invalid direction ${p.string('direction')}: use asc or desc`);
  let startAt: string | undefined;
  if (p.has('start_at')) {
    const d = new Date(p.string('start_at')!);
    if (Number.isNaN(d.getTime())) throw badRequest(`Invalid start_at ${p.string('start_at')}`);
    startAt = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const fields = p.list('fields');
  return {
    maxResults: parseMaxResults(p),
    cursor: p.string('next_cursor') || undefined,
    direction,
    withTags: p.bool('tags', false) || fields.includes('tags'),
    withContext: p.bool('context', false) || fields.includes('context'),
    withMetadata: p.bool('metadata', false) || fields.includes('metadata'),
    withModerations: p.bool('moderations', false) || fields.includes('moderation'),
    fields: fields.length ? fields : undefined,
    startAt,
  };
}

export function parseResourceType(rt: string): string {
  if (!(RESOURCE_TYPES as readonly string[]).includes(rt)) throw badRequest(`Invalid resource type ${rt}`);
  return rt;
}

const DELIVERY_TYPE = /^[a-z][a-z_]{0,31}$/;

export function parseDeliveryType(type: string): string {
  if (!DELIVERY_TYPE.test(type)) throw badRequest(`Invalid type ${type}`);
  return type;
}

/** Cloudinary's limit on ids (public ids, asset ids, derived ids) in one request. */
const MAX_IDS = 100;

/**
 * A list of ids in order, duplicates dropped unless `positional` (when a
 * parallel list such as `versions` pairs with it by index). More than
 * MAX_IDS, or none when `required`, is a 400.
 */
export function parseIds(p: Params, key: string, opts: { required?: boolean; positional?: boolean } = {}): string[] {
  const ids = opts.positional ? p.list(key) : [...new Set(p.list(key))];
  if (opts.required && !ids.length) throw badRequest(`Missing required parameter - ${key}`);
  if (ids.length > MAX_IDS) throw badRequest(`Too many ${key}: at most ${MAX_IDS} per request`);
  return ids;
}
