/**
 * The `usage_counters` table: one running total per cloud and metric key (`requests`, `bandwidth@2026-01-31`, ...),
 * as written before the counters moved to a Durable Object per cloud (src/storage/usage-object.ts); still read and added in.
 */

/** The values of some metric keys of a cloud; a key never counted is absent. */
export async function usageValues(db: D1Database, cloud: string, keys: string[]): Promise<Map<string, number>> {
  const rows = await db
    .prepare('SELECT metric, value FROM usage_counters WHERE cloud = ? AND metric IN (SELECT value FROM json_each(?))')
    .bind(cloud, JSON.stringify(keys))
    .all<{ metric: string; value: number }>();
  return new Map(rows.results.map((r) => [r.metric, r.value]));
}
