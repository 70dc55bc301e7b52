import type { ResourceRow } from './resources';

/**
 * Related assets: each relation is stored in both directions, so listing an
 * asset's relations reads one index range whichever side created it.
 */
export async function relate(db: D1Database, from: ResourceRow, to: ResourceRow[], now: string): Promise<Set<number>> {
  if (!to.length) return new Set();
  const existing = await relatedIdsAmong(
    db,
    from.id,
    to.map((r) => r.id),
  );
  const stmts = to
    .filter((r) => !existing.has(r.id))
    .flatMap((r) => [
      db
        .prepare('INSERT OR IGNORE INTO related_assets (resource_id, related_id, cloud, created_at) VALUES (?, ?, ?, ?)')
        .bind(from.id, r.id, from.cloud, now),
      db
        .prepare('INSERT OR IGNORE INTO related_assets (resource_id, related_id, cloud, created_at) VALUES (?, ?, ?, ?)')
        .bind(r.id, from.id, from.cloud, now),
    ]);
  if (stmts.length) await db.batch(stmts);
  return existing;
}

/** Removes both directions; answers the ids that were related. */
export async function unrelate(db: D1Database, from: ResourceRow, to: ResourceRow[]): Promise<Set<number>> {
  if (!to.length) return new Set();
  const ids = to.map((r) => r.id);
  const existing = await relatedIdsAmong(db, from.id, ids);
  const json = JSON.stringify(ids);
  await db.batch([
    db.prepare('DELETE FROM related_assets WHERE resource_id = ? AND related_id IN (SELECT value FROM json_each(?))').bind(from.id, json),
    db.prepare('DELETE FROM related_assets WHERE related_id = ? AND resource_id IN (SELECT value FROM json_each(?))').bind(from.id, json),
  ]);
  return existing;
}

async function relatedIdsAmong(db: D1Database, id: number, among: number[]): Promise<Set<number>> {
  const rows = await db
    .prepare('SELECT related_id FROM related_assets WHERE resource_id = ? AND related_id IN (SELECT value FROM json_each(?))')
    .bind(id, JSON.stringify(among))
    .all<{ related_id: number }>();
  return new Set(rows.results.map((r) => r.related_id));
}

/** One page of an asset's related assets, by their row id (a keyset: `after` is the last row id of the previous page). */
export async function relatedPage(db: D1Database, id: number, after: number, limit: number): Promise<ResourceRow[]> {
  const rows = await db
    .prepare(
      `SELECT r.* FROM related_assets x JOIN resources r ON r.id = x.related_id
       WHERE x.resource_id = ? AND x.related_id > ? ORDER BY x.related_id LIMIT ?`,
    )
    .bind(id, after, limit)
    .all<ResourceRow>();
  return rows.results;
}
