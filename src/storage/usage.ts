/** The `usage_counters` table: one running total per cloud and metric key (`requests`, `bandwidth@2026-01-31`, ...). */

/** Adds counts in one batch: `[cloud, metric key, n]`. */
export async function addUsage(db: D1Database, counts: readonly (readonly [cloud: string, metric: string, n: number])[]): Promise<void> {
  await db.batch(
    counts.map(([cloud, metric, n]) =>
      db
        .prepare(
          'INSERT INTO usage_counters (cloud, metric, value) VALUES (?, ?, ?) ON CONFLICT (cloud, metric) DO UPDATE SET value = value + excluded.value',
        )
        .bind(cloud, metric, n),
    ),
  );
}

/** The values of some metric keys of a cloud; a key never counted is absent. */
export async function usageValues(db: D1Database, cloud: string, keys: string[]): Promise<Map<string, number>> {
  const rows = await db
    .prepare('SELECT metric, value FROM usage_counters WHERE cloud = ? AND metric IN (SELECT value FROM json_each(?))')
    .bind(cloud, JSON.stringify(keys))
    .all<{ metric: string; value: number }>();
  return new Map(rows.results.map((r) => [r.metric, r.value]));
}
