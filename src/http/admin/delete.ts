import { Hono, type Context } from 'hono';
import { adminAuth, type AppEnv } from '../cloud';
import type { Env } from '../../config/env';
import { badRequest } from '../../errors';
import { readParams, type Params } from '../../protocol/params';
import { purgeAsset } from '../../services/cache/purge';
import { getSettings } from '../../config/settings';
import { destroyAsset, listAll } from '../../storage/assets';
import { assetPrefix } from '../../storage/keys';
import type { AssetRef } from '../../protocol/asset-ref';
import { refOf, type ResourceRow } from '../../storage/resources';
import { countDerivedOf, deleteDerivedRows, derivedByIds, derivedRowsOf } from '../../storage/derived';
import { adminJson } from './respond';
import { listResources, resourcesByAssetIds, resourcesByPublicIds, type ListFilter } from '../../storage/listing';
import { parseDeliveryType, parseIds, parseResourceType } from '../../protocol/list-params';

/**
 * Resources removed by one bulk call (prefix, tag, all). Each removal touches
 * D1, R2 and the cache, so a call stays well inside a Worker's per-request
 * budget and answers `partial: true` with a `next_cursor` to continue.
 */
const DELETE_BATCH = 100;
/** Removals run a few at a time: parallel enough to be quick, gentle on D1. */
const CONCURRENCY = 6;

interface DeleteOptions {
  keepOriginal: boolean;
  /** The cloud's `backup` setting: a deleted original is kept as a revision, restorable. */
  backup: boolean;
  invalidate: boolean;
  /** `transformations`: only derived resources of these (build_eager items, `|`-separated). */
  transformations?: string[];
}

interface Outcome {
  key: string;
  status: 'deleted' | 'not_found';
  original: number;
  derived: number;
}

async function parseDeleteOptions(env: Env, cloud: string, p: Params): Promise<DeleteOptions> {
  const transformations = (p.string('transformations') ?? '')
    .split('|')
    .map((t) => t.trim())
    .filter(Boolean);
  return {
    backup: (await getSettings(env.CONFIG, cloud)).backup,
    keepOriginal: p.bool('keep_original', false) || transformations.length > 0,
    invalidate: p.bool('invalidate', false),
    transformations: transformations.length ? transformations : undefined,
  };
}

/** `c_scale,w_100/jpg` names the transformation `c_scale,w_100` in format jpg; without a format any format matches. */
function matchesTransformation(d: { transformation: string; format: string }, wanted: string[]): boolean {
  return wanted.some((w) => {
    const slash = w.lastIndexOf('/');
    const ext = slash >= 0 ? w.slice(slash + 1) : '';
    if (slash >= 0 && !ext.includes('_')) return d.transformation === w.slice(0, slash) && (ext === '' || d.format === ext);
    return d.transformation === w;
  });
}

/** Removes derived resources of one asset: their index rows and their bytes. Returns how many. */
async function deleteDerivedOf(env: Env, r: ResourceRow, transformations?: string[]): Promise<number> {
  const rows = await derivedRowsOf(env.DB, r.id);
  const doomed = transformations ? rows.filter((d) => matchesTransformation(d, transformations)) : rows;
  await deleteDerivedRows(
    env.DB,
    doomed.map((d) => d.id),
  );
  // Without a filter every derived object goes, also those the index never recorded.
  const keys = transformations ? doomed.map((d) => d.r2_key) : await listAll(env.BUCKET, assetPrefix('d', refOf(r)));
  if (keys.length) await env.BUCKET.delete(keys);
  return transformations ? doomed.length : Math.max(keys.length, rows.length);
}

async function deleteOne(env: Env, r: ResourceRow, o: DeleteOptions, key: string): Promise<Outcome> {
  let original = 0;
  let derived: number;
  if (o.keepOriginal) derived = await deleteDerivedOf(env, r, o.transformations);
  else {
    const derivedRows = await countDerivedOf(env.DB, r.id);
    const gone = await destroyAsset(env, refOf(r), { backup: o.backup });
    original = gone ? 1 : 0;
    derived = gone ? derivedRows : 0;
  }
  await purgeAsset(env, refOf(r));
  return { key, status: original || o.keepOriginal ? 'deleted' : 'not_found', original, derived };
}

async function inBatches<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(fn))));
  return out;
}

function answer(c: Context<AppEnv>, outcomes: Outcome[], nextCursor?: string): Response {
  const body: Record<string, unknown> = {
    deleted: Object.fromEntries(outcomes.map((o) => [o.key, o.status])),
    deleted_counts: Object.fromEntries(
      outcomes.filter((o) => o.status === 'deleted').map((o) => [o.key, { original: o.original, derived: o.derived }]),
    ),
    partial: !!nextCursor,
  };
  if (nextCursor) body.next_cursor = nextCursor;
  return adminJson(c, body);
}

async function deleteByIds(
  env: Env,
  rows: ResourceRow[],
  wanted: string[],
  keyOf: (r: ResourceRow) => string,
  o: DeleteOptions,
): Promise<Outcome[]> {
  const found = new Map(rows.map((r) => [keyOf(r), r]));
  return inBatches(wanted, CONCURRENCY, async (id) => {
    const r = found.get(id);
    return r ? deleteOne(env, r, o, id) : { key: id, status: 'not_found' as const, original: 0, derived: 0 };
  });
}

/** Bulk removal over a listing, one batch per call. */
async function deleteListed(
  c: Context<AppEnv>,
  cloud: string,
  resourceType: string,
  filter: ListFilter,
  p: Params,
  o: DeleteOptions,
): Promise<Response> {
  const page = await listResources(c.env.DB, {
    cloud,
    resourceType,
    filter,
    direction: 'asc',
    maxResults: DELETE_BATCH,
    cursor: p.string('next_cursor') || undefined,
  });
  const outcomes = await inBatches(page.rows, CONCURRENCY, (r) => deleteOne(c.env, r, o, r.public_id));
  return answer(c, outcomes, page.nextCursor);
}

/** The Admin API deletions: by ids, prefix, all, tag, asset ids, and of derived resources (https://cloudinary.com/documentation/admin_api#delete_resources). */
export const deleteRoutes = new Hono<AppEnv>()
  .delete('/resources/:rt/tags/:tag{.+}', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const rt = parseResourceType(c.req.param('rt'));
    const p = await readParams(c.req.raw);
    const type = p.string('type');
    const filter: ListFilter = { by: 'tag', tag: c.req.param('tag'), type: type ? parseDeliveryType(type) : undefined };
    return deleteListed(c, cloud.cloudName, rt, filter, p, await parseDeleteOptions(c.env, cloud.cloudName, p));
  })
  .delete('/resources/:rt/:type', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const rt = parseResourceType(c.req.param('rt'));
    const type = parseDeliveryType(c.req.param('type'));
    const p = await readParams(c.req.raw);
    const o = await parseDeleteOptions(c.env, cloud.cloudName, p);
    if (p.fields.public_ids !== undefined) {
      const ids = parseIds(p, 'public_ids');
      const rows = await resourcesByPublicIds(c.env.DB, cloud.cloudName, rt, type, ids);
      return answer(c, await deleteByIds(c.env, rows, ids, (r) => r.public_id, o));
    }
    if (p.has('prefix')) return deleteListed(c, cloud.cloudName, rt, { by: 'type', type, prefix: p.string('prefix') }, p, o);
    if (p.bool('all', false)) return deleteListed(c, cloud.cloudName, rt, { by: 'type', type }, p, o);
    throw badRequest('Missing required parameter - public_ids, prefix or all');
  })
  .delete('/resources', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const ids = parseIds(p, 'asset_ids', { required: true });
    const rows = await resourcesByAssetIds(c.env.DB, cloud.cloudName, ids);
    return answer(c, await deleteByIds(c.env, rows, ids, (r) => r.asset_id, await parseDeleteOptions(c.env, cloud.cloudName, p)));
  })
  .delete('/derived_resources', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const ids = parseIds(p, 'derived_resource_ids', { required: true });
    return answer(c, await deleteDerivedByIds(c.env, cloud.cloudName, ids));
  });

/** Derived resources by their ids, only within this cloud. */
async function deleteDerivedByIds(env: Env, cloud: string, ids: string[]): Promise<Outcome[]> {
  const numeric = ids.filter((id) => /^\d{1,15}$/.test(id)).map(Number);
  const rows = await derivedByIds(env.DB, cloud, numeric);
  if (rows.length) {
    await deleteDerivedRows(
      env.DB,
      rows.map((r) => r.id),
      cloud,
    );
    await env.BUCKET.delete(rows.map((r) => r.r2_key));
    const assets = new Map<string, AssetRef>(rows.map((r) => [`${r.resource_type}/${r.type}/${r.public_id}`, refOf(r)]));
    for (const a of assets.values()) await purgeAsset(env, a);
  }
  const found = new Set(rows.map((r) => String(r.id)));
  return ids.map((id) => ({ key: id, status: found.has(id) ? 'deleted' : 'not_found', original: 0, derived: found.has(id) ? 1 : 0 }));
}
