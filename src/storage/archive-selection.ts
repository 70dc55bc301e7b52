import type { ResourceRow } from './resources';

/** What an archive takes: any mix of ids, prefixes and tags, in the given resource types and type. */
export interface ArchiveSelector {
  cloud: string;
  resourceTypes: readonly string[];
  type: string;
  publicIds: readonly string[];
  prefixes: readonly string[];
  tags: readonly string[];
  /** `<resource_type>/<type>/<public_id>` ids, each naming its own types. */
  fullyQualified: readonly { resourceType: string; type: string; publicId: string }[];
}

/** The last character there is: `p || MAX_CHAR` bounds every string that starts with `p`. */
const MAX_CHAR = '\u{10FFFF}';
/** D1 binds at most 100 values per statement. */
const CHUNK = 80;

const chunks = <T>(xs: readonly T[]) =>
  Array.from({ length: Math.ceil(xs.length / CHUNK) }, (_, i) => xs.slice(i * CHUNK, i * CHUNK + CHUNK));
const marks = (n: number) => Array(n).fill('?').join(', ');

/**
 * The current resources an archive selector names, each once, in public id
 * order; at most `limit` rows (the caller asks for one more than it allows, to
 * refuse rather than silently cut). Each selector kind is its own indexed
 * query; once `limit` rows are found no further query is made.
 */
export async function selectArchiveResources(db: D1Database, s: ArchiveSelector, limit: number): Promise<ResourceRow[]> {
  const found = new Map<number, ResourceRow>();
  const take = (rows: ResourceRow[]) => rows.forEach((r) => found.size < limit && found.set(r.id, r));
  const types = marks(s.resourceTypes.length);
  const full = () => found.size >= limit;
  for (const ids of chunks(s.publicIds)) {
    if (full()) break;
    const sql = `SELECT * FROM resources WHERE cloud = ? AND resource_type IN (${types}) AND type = ? AND public_id IN (${marks(ids.length)}) LIMIT ?`;
    take(
      (
        await db
          .prepare(sql)
          .bind(s.cloud, ...s.resourceTypes, s.type, ...ids, limit)
          .all<ResourceRow>()
      ).results,
    );
  }
  for (const f of s.fullyQualified) {
    if (full()) break;
    const sql = 'SELECT * FROM resources WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id = ?';
    const row = await db.prepare(sql).bind(s.cloud, f.resourceType, f.type, f.publicId).first<ResourceRow>();
    if (row) take([row]);
  }
  for (const prefix of s.prefixes) {
    if (full()) break;
    const sql = `SELECT * FROM resources WHERE cloud = ? AND resource_type IN (${types}) AND type = ? AND public_id >= ? AND public_id < ? ORDER BY public_id LIMIT ?`;
    take(
      (
        await db
          .prepare(sql)
          .bind(s.cloud, ...s.resourceTypes, s.type, prefix, prefix + MAX_CHAR, limit)
          .all<ResourceRow>()
      ).results,
    );
  }
  for (const tags of chunks(s.tags)) {
    if (full()) break;
    const sql = `SELECT r.* FROM resource_tags t JOIN resources r ON r.id = t.resource_id
      WHERE t.cloud = ? AND t.tag IN (${marks(tags.length)}) AND r.resource_type IN (${types}) AND r.type = ? LIMIT ?`;
    take(
      (
        await db
          .prepare(sql)
          .bind(s.cloud, ...tags, ...s.resourceTypes, s.type, limit)
          .all<ResourceRow>()
      ).results,
    );
  }
  return [...found.values()].sort((a, b) => (a.public_id < b.public_id ? -1 : a.public_id > b.public_id ? 1 : 0));
}

/** A backed-up original, found by the asset id and version id `download_backedup_asset` names. */
export interface BackupRow {
  public_id: string;
  resource_type: string;
  r2_key: string;
  format: string | null;
  content_type: string;
  bytes: number;
  etag: string;
  created_at: string;
}

export async function findBackup(db: D1Database, cloud: string, assetId: string, versionId: string): Promise<BackupRow | null> {
  const fields = 'public_id, resource_type, r2_key, format, content_type, bytes, etag';
  const revision = await db
    .prepare(`SELECT ${fields}, created_at FROM revisions WHERE cloud = ? AND asset_id = ? AND version_id = ? LIMIT 1`)
    .bind(cloud, assetId, versionId)
    .first<BackupRow>();
  if (revision) return revision;
  // The current version is a backup too once backups are on: Cloudinary lists it among the versions.
  return db
    .prepare(
      `SELECT ${fields}, uploaded_at AS created_at FROM resources WHERE cloud = ? AND asset_id = ? AND version_id = ? AND backup = 1`,
    )
    .bind(cloud, assetId, versionId)
    .first<BackupRow>();
}
