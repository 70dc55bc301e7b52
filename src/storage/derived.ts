import type { AssetRef } from '../protocol/asset-ref';

/**
 * The `derived` table (one row per stored derived image of an asset's
 * version, by variant) and `derived_leases` (which isolate is making a
 * variant now).
 */
export interface DerivedRecord {
  cloud: string;
  resourceId: number;
  version: number;
  /** The variant: `<canonical transformation>|<format>[|q..|dpr..]`. */
  transformation: string;
  format: string;
  r2Key: string;
  bytes: number;
  width: number;
  height: number;
  eager: boolean;
}

/** Records a stored derived image; an eager record stays eager whoever writes the row again. */
/**
 * Answers how many delivery-made variants the asset has (in the same call, so
 * the per-asset cap is looked at only when it may be reached: no second query
 * on most misses). Whether the count includes the row just written is
 * SQLite's business: callers compare with `>=`.
 */
export async function recordDerived(db: D1Database, r: DerivedRecord, release?: HeldLease): Promise<number> {
  const insert = db
    .prepare(
      `INSERT INTO derived (cloud, resource_id, version, transformation, format, r2_key, bytes, width, height, eager, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (resource_id, version, transformation, format)
       DO UPDATE SET r2_key = excluded.r2_key, bytes = excluded.bytes, width = excluded.width, height = excluded.height,
         eager = max(derived.eager, excluded.eager)
       RETURNING (SELECT COUNT(*) FROM derived d WHERE d.resource_id = derived.resource_id AND d.eager = 0) AS variants`,
    )
    .bind(
      r.cloud,
      r.resourceId,
      r.version,
      r.transformation,
      r.format,
      r.r2Key,
      r.bytes,
      r.width,
      r.height,
      r.eager ? 1 : 0,
      new Date().toISOString(),
    );
  if (!release) return (await insert.first<{ variants: number }>())?.variants ?? 0;
  // The single flight's lease goes in the same call as the row it guarded: one D1 round trip, not two.
  const [inserted] = await db.batch<{ variants: number }>([insert, releaseStatement(db, release)]);
  return inserted.results[0]?.variants ?? 0;
}

/** A lease this isolate holds (`derived_leases`). */
export interface HeldLease {
  key: string;
  holder: string;
}

const releaseStatement = (db: D1Database, l: HeldLease) =>
  db.prepare('DELETE FROM derived_leases WHERE lease_key = ? AND holder = ?').bind(l.key, l.holder);

/** The variants generated eagerly for the current version of an asset, by its URL fields. */
export async function eagerVariants(db: D1Database, a: AssetRef): Promise<{ transformation: string; format: string }[]> {
  const rows = await db
    .prepare(
      `SELECT d.transformation AS transformation, d.format AS format FROM derived d
       JOIN resources r ON d.resource_id = r.id AND d.version = r.version
       WHERE r.cloud = ? AND r.resource_type = ? AND r.type = ? AND r.public_id = ? AND d.eager = 1`,
    )
    .bind(a.cloud, a.resourceType, a.type, a.publicId)
    .all<{ transformation: string; format: string }>();
  return rows.results;
}

/** Takes the lease of `key` for `holder` when it is free or expired (by `now`); whether it was taken. */
export async function takeLease(db: D1Database, key: string, holder: string, expiresAt: number, now: number): Promise<boolean> {
  const row = await db
    .prepare(
      `INSERT INTO derived_leases (lease_key, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (lease_key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE derived_leases.expires_at < ?
       RETURNING holder`,
    )
    .bind(key, holder, expiresAt, now)
    .first<{ holder: string }>();
  return row?.holder === holder;
}

export async function releaseLease(db: D1Database, key: string, holder: string): Promise<void> {
  await releaseStatement(db, { key, holder }).run();
}

/** One derived row as the Admin API lists it. */
export interface DerivedListRow {
  id: number;
  transformation: string;
  format: string;
  bytes: number;
  version: number;
  width: number;
  height: number;
}

/** Up to `limit` derived rows of an asset with ids above `after`, oldest first. */
export async function derivedPageOf(db: D1Database, resourceId: number, after: number, limit: number): Promise<DerivedListRow[]> {
  const rows = await db
    .prepare(
      'SELECT id, transformation, format, bytes, version, width, height FROM derived WHERE resource_id = ? AND id > ? ORDER BY id LIMIT ?',
    )
    .bind(resourceId, after, limit)
    .all<DerivedListRow>();
  return rows.results;
}

/** Every derived row of an asset (all its versions). */
export async function derivedRowsOf(
  db: D1Database,
  resourceId: number,
): Promise<{ id: number; transformation: string; format: string; r2_key: string }[]> {
  const rows = await db
    .prepare('SELECT id, transformation, format, r2_key FROM derived WHERE resource_id = ?')
    .bind(resourceId)
    .all<{ id: number; transformation: string; format: string; r2_key: string }>();
  return rows.results;
}

export async function countDerivedOf(db: D1Database, resourceId: number): Promise<number> {
  const row = await db.prepare('SELECT count(*) AS n FROM derived WHERE resource_id = ?').bind(resourceId).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Removes derived rows by id; with `cloud`, only rows of that cloud. Lists travel as one JSON parameter: D1 binds at most 100. */
export async function deleteDerivedRows(db: D1Database, ids: number[], cloud?: string): Promise<void> {
  if (!ids.length) return;
  if (cloud === undefined)
    await db.prepare('DELETE FROM derived WHERE id IN (SELECT value FROM json_each(?))').bind(JSON.stringify(ids)).run();
  else
    await db
      .prepare('DELETE FROM derived WHERE cloud = ? AND id IN (SELECT value FROM json_each(?))')
      .bind(cloud, JSON.stringify(ids))
      .run();
}

/** A derived row with the asset it belongs to. */
export interface DerivedOfAsset {
  id: number;
  r2_key: string;
  format: string;
  bytes: number;
  version: number;
  transformation: string;
  cloud: string;
  resource_type: string;
  type: string;
  public_id: string;
}

const OF_ASSET = `SELECT d.id, d.r2_key, d.format, d.bytes, d.version, d.transformation, r.cloud, r.resource_type, r.type, r.public_id
  FROM derived d JOIN resources r ON r.id = d.resource_id`;

/** Derived rows of a cloud by their ids (ids of other clouds are not found). */
export async function derivedByIds(db: D1Database, cloud: string, ids: number[]): Promise<DerivedOfAsset[]> {
  const rows = await db
    .prepare(`${OF_ASSET} WHERE d.cloud = ? AND d.id IN (SELECT value FROM json_each(?))`)
    .bind(cloud, JSON.stringify(ids))
    .all<DerivedOfAsset>();
  return rows.results;
}

/** Up to `max` derived rows of a cloud made with one transformation (variant string), ids above `after`. */
export async function derivedWith(
  db: D1Database,
  cloud: string,
  transformation: string,
  max: number,
  after = 0,
): Promise<DerivedOfAsset[]> {
  const rows = await db
    .prepare(`${OF_ASSET} WHERE d.cloud = ? AND d.transformation = ? AND d.id > ? ORDER BY d.id LIMIT ?`)
    .bind(cloud, transformation, after, max)
    .all<DerivedOfAsset>();
  return rows.results;
}

/** Which of `names` some derived row of the cloud was made with. */
export async function transformationsInUse(db: D1Database, cloud: string, names: string[]): Promise<Set<string>> {
  if (!names.length) return new Set();
  const rows = await db
    .prepare('SELECT DISTINCT transformation FROM derived WHERE cloud = ? AND transformation IN (SELECT value FROM json_each(?))')
    .bind(cloud, JSON.stringify(names))
    .all<{ transformation: string }>();
  return new Set(rows.results.map((r) => r.transformation));
}

/**
 * The transformations derived rows of a cloud were made with, in order after
 * `after`, except a bare `t_<name>` (listed under its named transformation).
 */
export async function implicitTransformations(db: D1Database, cloud: string, after: string, limit: number): Promise<string[]> {
  const rows = await db
    .prepare(
      `SELECT DISTINCT transformation FROM derived WHERE cloud = ? AND transformation > ?
         AND NOT (transformation GLOB 't_*' AND transformation NOT GLOB '*[,/]*')
       ORDER BY transformation LIMIT ?`,
    )
    .bind(cloud, after, limit)
    .all<{ transformation: string }>();
  return rows.results.map((r) => r.transformation);
}

/** How many derived images a cloud has and their bytes. */
export async function derivedTotals(db: D1Database, cloud: string): Promise<{ n: number; bytes: number }> {
  const row = await db
    .prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS bytes FROM derived WHERE cloud = ?')
    .bind(cloud)
    .first<{ n: number; bytes: number }>();
  return { n: row?.n ?? 0, bytes: row?.bytes ?? 0 };
}
