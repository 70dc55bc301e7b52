import { ensureSchema } from './schema';
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
  await ensureSchema(db);
  return db
    .prepare('SELECT * FROM resources WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id = ?')
    .bind(a.cloud, a.resourceType, a.type, a.publicId)
    .first<ResourceRow>();
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
