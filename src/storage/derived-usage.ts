/**
 * Recency of stored derived images, for the per-asset cap: R2 reads record
 * when a variant was last served (at most once per TOUCH_INTERVAL_MS, so a
 * busy variant costs one write an hour, not one per request), and a new
 * variant beyond the cap removes the least recently used ones. Eager variants
 * (asked for by the owner through the signed Upload API) neither count nor go.
 */
const TOUCH_INTERVAL_MS = 3_600_000;

/** Keys this isolate recorded lately, so a busy variant costs no D1 call per request. Bounded: cleared when full. */
const touched = new Map<string, number>();
const TOUCHED_MAX = 10_000;

export async function touchDerived(db: D1Database, r2Key: string, now = Date.now()): Promise<void> {
  const last = touched.get(r2Key);
  if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return;
  if (touched.size >= TOUCHED_MAX) touched.clear();
  touched.set(r2Key, now);
  const at = new Date(now).toISOString();
  const staleBefore = new Date(now - TOUCH_INTERVAL_MS).toISOString();
  await db
    .prepare('UPDATE derived SET last_used_at = ? WHERE r2_key = ? AND (last_used_at IS NULL OR last_used_at < ?)')
    .bind(at, r2Key, staleBefore)
    .run();
}

/**
 * Keeps the `keep` most recently used delivery-made variants of one asset and
 * removes the rest from the index; answers their R2 keys for the caller to delete.
 */
export async function dropLeastRecentlyUsed(db: D1Database, resourceId: number, keep: number): Promise<string[]> {
  const beyond = await db
    .prepare(
      `SELECT id, r2_key FROM derived WHERE resource_id = ? AND eager = 0
       ORDER BY COALESCE(last_used_at, created_at) DESC, id DESC LIMIT -1 OFFSET ?`,
    )
    .bind(resourceId, keep)
    .all<{ id: number; r2_key: string }>();
  if (!beyond.results.length) return [];
  const ids = beyond.results.map((r) => r.id);
  await db.prepare('DELETE FROM derived WHERE id IN (SELECT value FROM json_each(?))').bind(JSON.stringify(ids)).run();
  return beyond.results.map((r) => r.r2_key);
}
