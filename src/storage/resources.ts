import type { AssetRef } from '../protocol/asset-ref';

/** One row of `resources`: the current version of an asset. */
export interface ResourceRow {
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
  pages: number | null;
  bytes: number;
  etag: string;
  created_at: string;
  uploaded_at: string;
  access_mode: string;
  moderation_kind: string | null;
  moderation_status: string | null;
  moderation_updated_at: string | null;
  original_filename: string | null;
  placeholder: number;
  backup: number;
  asset_folder: string;
  display_name: string | null;
  access_control: string | null;
  coordinates: string | null;
  info: string | null;
  source_url: string | null;
}

export const refOf = (r: Pick<ResourceRow, 'cloud' | 'resource_type' | 'type' | 'public_id'>): AssetRef => ({
  cloud: r.cloud,
  resourceType: r.resource_type,
  type: r.type,
  publicId: r.public_id,
});

export async function getResource(db: D1Database, a: AssetRef): Promise<ResourceRow | null> {
  return db
    .prepare('SELECT * FROM resources WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id = ?')
    .bind(a.cloud, a.resourceType, a.type, a.publicId)
    .first<ResourceRow>();
}

/** Whether an asset other than `self` in the asset folder has this display name (read through the (cloud, asset_folder, id) index). */
export async function displayNameTaken(db: D1Database, self: AssetRef, assetFolder: string, displayName: string): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT 1 FROM resources WHERE cloud = ? AND asset_folder = ? AND display_name = ?
       AND NOT (resource_type = ? AND type = ? AND public_id = ?) LIMIT 1`,
    )
    .bind(self.cloud, assetFolder, displayName, self.resourceType, self.type, self.publicId)
    .first();
  return row !== null;
}

export async function getTags(db: D1Database, resourceId: number): Promise<string[]> {
  const rows = await db.prepare('SELECT tag FROM resource_tags WHERE resource_id = ? ORDER BY tag').bind(resourceId).all<{ tag: string }>();
  return rows.results.map((r) => r.tag);
}

export async function getContext(db: D1Database, resourceId: number): Promise<Record<string, string>> {
  const rows = await db
    .prepare('SELECT key, value FROM resource_context WHERE resource_id = ? ORDER BY key')
    .bind(resourceId)
    .all<{ key: string; value: string }>();
  return Object.fromEntries(rows.results.map((r) => [r.key, r.value]));
}

/** How many assets a cloud has and the bytes of their current originals. */
export async function resourceTotals(db: D1Database, cloud: string): Promise<{ n: number; bytes: number }> {
  const row = await db
    .prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS bytes FROM resources WHERE cloud = ?')
    .bind(cloud)
    .first<{ n: number; bytes: number }>();
  return { n: row?.n ?? 0, bytes: row?.bytes ?? 0 };
}

/** Which assets of one resource type and type a call names: a list of ids, a prefix of ids, or a tag. */
export type AssetSelector = { by: 'ids'; ids: string[] } | { by: 'prefix'; prefix: string } | { by: 'tag'; tag: string };

export interface AssetScope {
  cloud: string;
  resourceType: string;
  type: string;
}

/**
 * The access modes of the assets a selector names, in public id order: all
 * of a list, up to `limit` after `after` for a prefix or tag. Lists travel as
 * one JSON parameter: D1 binds at most 100.
 */
export async function accessModesOf(
  db: D1Database,
  s: AssetScope,
  sel: AssetSelector,
  after: string,
  limit: number,
): Promise<{ public_id: string; access_mode: string }[]> {
  const scope = 'r.cloud = ? AND r.resource_type = ? AND r.type = ?';
  const args = [s.cloud, s.resourceType, s.type];
  const q =
    sel.by === 'ids'
      ? db
          .prepare(
            `SELECT r.public_id, r.access_mode FROM resources r WHERE ${scope} AND r.public_id IN (SELECT value FROM json_each(?)) ORDER BY r.public_id`,
          )
          .bind(...args, JSON.stringify(sel.ids))
      : sel.by === 'prefix'
        ? db
            .prepare(
              `SELECT r.public_id, r.access_mode FROM resources r WHERE ${scope} AND substr(r.public_id, 1, length(?)) = ? AND r.public_id > ? ORDER BY r.public_id LIMIT ?`,
            )
            .bind(...args, sel.prefix, sel.prefix, after, limit)
        : db
            .prepare(
              `SELECT r.public_id, r.access_mode FROM resources r JOIN resource_tags t ON t.resource_id = r.id
             WHERE ${scope} AND t.tag = ? AND r.public_id > ? ORDER BY r.public_id LIMIT ?`,
            )
            .bind(...args, sel.tag, after, limit);
  return (await q.all<{ public_id: string; access_mode: string }>()).results;
}

/** A rejected asset is not delivered: it is as if it did not exist. */
export const isDeliverable = (r: ResourceRow) => r.moderation_status !== 'rejected';
