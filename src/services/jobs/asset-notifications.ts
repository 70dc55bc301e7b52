import type { AssetRef } from '../../protocol/asset-ref';
import { getSettings } from '../../config/settings';
import { storedNotificationUrl } from '../../storage/jobs';

/**
 * Where later events about an asset (moderation decisions) are reported: the
 * `notification_url` it was uploaded with (every upload of a public id
 * replaces what the previous one said), else the cloud's setting.
 */
export async function notificationUrlFor(env: { DB: D1Database; CONFIG: KVNamespace }, a: AssetRef): Promise<string | null> {
  return (await storedNotificationUrl(env.DB, a)) ?? (await getSettings(env.CONFIG, a.cloud)).notification_url;
}
