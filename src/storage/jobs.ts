import type { AssetRef } from '../protocol/asset-ref';

/**
 * What background jobs keep in D1: jobs whose deliveries were exhausted
 * (`failed_jobs`) and where later events about an asset are reported
 * (`asset_notification_urls`).
 */
export async function recordFailedJob(
  db: D1Database,
  f: { cloud: string | null; kind: string; body: unknown; attempts: number; error: string },
): Promise<void> {
  await db
    .prepare('INSERT INTO failed_jobs (cloud, kind, body, attempts, error, failed_at) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(f.cloud, f.kind, JSON.stringify(f.body), f.attempts, f.error.slice(0, 2000), new Date().toISOString())
    .run();
}

/** Keeps (or with null forgets) the notification URL an asset was uploaded with. */
export async function rememberNotificationUrl(db: D1Database, a: AssetRef, url: string | null): Promise<void> {
  const key = [a.cloud, a.resourceType, a.type, a.publicId] as const;
  if (url) {
    await db
      .prepare('INSERT OR REPLACE INTO asset_notification_urls (cloud, resource_type, type, public_id, url) VALUES (?, ?, ?, ?, ?)')
      .bind(...key, url)
      .run();
  } else {
    await db
      .prepare('DELETE FROM asset_notification_urls WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id = ?')
      .bind(...key)
      .run();
  }
}

export async function storedNotificationUrl(db: D1Database, a: AssetRef): Promise<string | null> {
  const row = await db
    .prepare('SELECT url FROM asset_notification_urls WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id = ?')
    .bind(a.cloud, a.resourceType, a.type, a.publicId)
    .first<{ url: string }>();
  return row?.url ?? null;
}
