import type { AssetRef } from '../protocol/asset-ref';
import { ensureSchema } from './schema';

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
export async function recordDerived(db: D1Database, r: DerivedRecord): Promise<void> {
  await ensureSchema(db);
  await db
    .prepare(
      `INSERT INTO derived (cloud, resource_id, version, transformation, format, r2_key, bytes, width, height, eager, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (resource_id, version, transformation, format)
       DO UPDATE SET r2_key = excluded.r2_key, bytes = excluded.bytes, width = excluded.width, height = excluded.height,
         eager = max(derived.eager, excluded.eager)`,
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
    )
    .run();
}

/** The variants generated eagerly for the current version of an asset, by its URL fields. */
export async function eagerVariants(db: D1Database, a: AssetRef): Promise<{ transformation: string; format: string }[]> {
  await ensureSchema(db);
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
  await ensureSchema(db);
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
  await db.prepare('DELETE FROM derived_leases WHERE lease_key = ? AND holder = ?').bind(key, holder).run();
}
