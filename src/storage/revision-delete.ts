/**
 * Forgets the named backed-up versions of an asset and answers their version
 * ids and the R2 keys no longer referenced (by another revision or by a
 * current version), which the caller removes from R2.
 */
export async function deleteRevisions(
  db: D1Database,
  cloud: string,
  assetId: string,
  versionIds: string[],
): Promise<{ deleted: string[]; orphanKeys: string[] }> {
  const rows = await db
    .prepare(
      'DELETE FROM revisions WHERE cloud = ? AND asset_id = ? AND version_id IN (SELECT value FROM json_each(?)) RETURNING version_id, r2_key',
    )
    .bind(cloud, assetId, JSON.stringify(versionIds))
    .all<{ version_id: string; r2_key: string }>();
  const keys = [...new Set(rows.results.map((r) => r.r2_key))];
  if (!keys.length) return { deleted: [], orphanKeys: [] };
  const still = await db
    .prepare(
      `SELECT r2_key FROM revisions WHERE r2_key IN (SELECT value FROM json_each(?1))
       UNION SELECT r2_key FROM resources WHERE r2_key IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(keys))
    .all<{ r2_key: string }>();
  const used = new Set(still.results.map((r) => r.r2_key));
  return { deleted: rows.results.map((r) => r.version_id), orphanKeys: keys.filter((k) => !used.has(k)) };
}
