import type { Env } from '../../config/env';
import { getSettings } from '../../config/settings';
import { enqueueNotification } from './notify';

/**
 * A notification about a change made through the Admin API (folders,
 * context, metadata, publish), sent to the cloud's `notification_url` when it
 * has one, with Cloudinary's `notification_type` and a `timestamp`.
 */
export async function notifyCloud(env: Env, cloud: string, type: string, payload: Record<string, unknown>): Promise<void> {
  const url = (await getSettings(env.CONFIG, cloud)).notification_url;
  if (!url) return;
  await enqueueNotification(env, cloud, url, { notification_type: type, timestamp: new Date().toISOString(), ...payload });
}
