import type { AssetRef } from '../protocol/asset-ref';
import type { Where } from './cache-entries';

/**
 * The assets a purge selects, read from `resources` where no cache index is
 * kept (purge by `Cache-Tag` reaches every data centre): the same conditions
 * as over the index, whose columns have the same names.
 */
export async function findAssets(db: D1Database, where: Where): Promise<AssetRef[]> {
  const rows = await db
    .prepare(`SELECT cloud, resource_type, type, public_id FROM resources WHERE ${where.sql}`)
    .bind(...where.params)
    .all<{ cloud: string; resource_type: string; type: string; public_id: string }>();
  return rows.results.map((r) => ({ cloud: r.cloud, resourceType: r.resource_type, type: r.type, publicId: r.public_id }));
}

export async function countAssets(db: D1Database, where: Where): Promise<number> {
  const row = await db
    .prepare(`SELECT COUNT(*) AS n FROM resources WHERE ${where.sql}`)
    .bind(...where.params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
