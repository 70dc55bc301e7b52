import type { AssetRef } from '../../protocol/asset-ref';
import { ensureSchema } from '../../storage/schema';
import { getSettings } from '../../config/settings';

/**
 * Where later events about an asset (moderation decisions) are reported: the
 * `notification_url` it was uploaded with, else the cloud's setting. Every
 * upload of a public id replaces what the previous one said.
 */
export async function rememberNotificationUrl(db: D1Database, a: AssetRef, url: string | null): Promise<void> {
  await ensureSchema(db);
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

export async function notificationUrlFor(env: { DB: D1Database; CONFIG: KVNamespace }, a: AssetRef): Promise<string | null> {
  await ensureSchema(env.DB);
  const row = await env.DB.prepare(
    'SELECT url FROM asset_notification_urls WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id = ?',
  )
    .bind(a.cloud, a.resourceType, a.type, a.publicId)
    .first<{ url: string }>();
  return row?.url ?? (await getSettings(env.CONFIG, a.cloud)).notification_url;
}
