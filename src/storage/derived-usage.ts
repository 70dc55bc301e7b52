/**
 * Recency of stored derived images, for the per-asset cap: a variant served
 * from R2 is noted by the isolate (src/services/derived/recent-use.ts, no D1
 * call on the hit) and its last use written here in batches, and a new
 * variant beyond the cap removes the least recently used ones. Eager variants
 * (asked for by the owner through the signed Upload API) neither count nor go.
 */

/** One noted use: the variant's R2 key and when (epoch ms). */
export interface DerivedUse {
  key: string;
  at: number;
}

/** Writes a batch of last uses in one statement; a use older than the recorded one changes nothing. */
export async function recordDerivedUses(db: D1Database, uses: readonly DerivedUse[]): Promise<void> {
  if (!uses.length) return;
  const batch = JSON.stringify(uses.map((u) => [u.key, new Date(u.at).toISOString()]));
  await db
    .prepare(
      `UPDATE derived SET last_used_at = u.at
       FROM (SELECT json_extract(value, '$[0]') AS key, MAX(json_extract(value, '$[1]')) AS at FROM json_each(?) GROUP BY 1) AS u
       WHERE derived.r2_key = u.key AND (derived.last_used_at IS NULL OR derived.last_used_at < u.at)`,
    )
    .bind(batch)
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
