import type { AssetRef } from '../protocol/asset-ref';
import type { CacheKey } from '../protocol/cache-key';
import type { Env } from '../config/env';
import { edgeCacheOf } from '../config/metered-bindings';

/**
 * The index of what the edge cache holds (`cache_entries` in D1), one row per
 * cached answer, so that purge finds every variant of an asset: each
 * transformation, format, version form and negotiated answer. D1 is global,
 * so the index also lists what other data centres cached. Kept only where
 * Cloudflare's purge API is not configured (src/services/cache/purge.ts):
 * there purge by `Cache-Tag` needs no index, and a miss writes nothing to D1.
 */
export interface EntryRow {
  cache_key: string;
  cloud: string;
  resource_type: string;
  type: string;
  public_id: string;
  url_key: string;
  version_form: string;
}

export async function recordEntry(db: D1Database, key: CacheKey): Promise<void> {
  const a = key.asset;
  await db
    .prepare(
      `INSERT INTO cache_entries (cache_key, cloud, resource_type, type, public_id, url_key, version_form, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cache_key) DO NOTHING`,
    )
    .bind(key.url, a.cloud, a.resourceType, a.type, a.publicId, key.urlKey, key.versionForm, Date.now())
    .run();
}

/** A SQL condition over `cache_entries` with its parameters. */
export interface Where {
  sql: string;
  params: unknown[];
}

export const assetWhere = (a: AssetRef): Where => ({
  sql: 'cloud = ? AND resource_type = ? AND type = ? AND public_id = ?',
  params: [a.cloud, a.resourceType, a.type, a.publicId],
});

export async function findEntries(db: D1Database, where: Where): Promise<EntryRow[]> {
  const rows = await db
    .prepare(`SELECT cache_key, cloud, resource_type, type, public_id, url_key, version_form FROM cache_entries WHERE ${where.sql}`)
    .bind(...where.params)
    .all<EntryRow>();
  return rows.results;
}

/** D1 binds at most 100 parameters per statement. */
const CHUNK = 90;

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Removes the answers from this data centre's cache and their rows from the index. */
export async function removeEntries(env: Env, rows: readonly EntryRow[]): Promise<void> {
  const cache = edgeCacheOf(env);
  for (const part of chunks(rows)) {
    await Promise.all(part.map((r) => cache.delete(r.cache_key)));
    await env.DB.prepare(`DELETE FROM cache_entries WHERE cache_key IN (${part.map(() => '?').join(',')})`)
      .bind(...part.map((r) => r.cache_key))
      .run();
  }
}
