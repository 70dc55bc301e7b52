import type { AssetRef } from '../protocol/asset-ref';

/**
 * The `revisions` table: backed-up originals, written by the asset service
 * (src/storage/assets.ts) when an original is replaced or deleted with backup on.
 */
export interface RevisionRow {
  id: number;
  cloud: string;
  resource_type: string;
  type: string;
  public_id: string;
  asset_id: string;
  version: number;
  version_id: string;
  r2_key: string;
  format: string | null;
  content_type: string;
  width: number | null;
  height: number | null;
  bytes: number;
  etag: string;
  created_at: string;
  /** Why it was kept: `overwrite` or `delete`. */
  reason: string;
}

/** An asset's revisions, oldest first. */
export async function listRevisions(db: D1Database, a: AssetRef): Promise<RevisionRow[]> {
  const rows = await db
    .prepare('SELECT * FROM revisions WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id = ? ORDER BY version, id')
    .bind(a.cloud, a.resourceType, a.type, a.publicId)
    .all<RevisionRow>();
  return rows.results;
}

/** The asset an `asset_id` was last backed up as (the asset may be deleted), if any. */
export async function revisedAssetOf(db: D1Database, cloud: string, assetId: string): Promise<AssetRef | undefined> {
  const row = await db
    .prepare('SELECT resource_type, type, public_id FROM revisions WHERE cloud = ? AND asset_id = ? ORDER BY id DESC LIMIT 1')
    .bind(cloud, assetId)
    .first<{ resource_type: string; type: string; public_id: string }>();
  return row ? { cloud, resourceType: row.resource_type, type: row.type, publicId: row.public_id } : undefined;
}
