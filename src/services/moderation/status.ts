import type { Env } from '../../config/env';
import { badRequest, notFound } from '../../errors';
import { purgeAsset } from '../cache/purge';
import { resourceUrls, type UrlBase } from '../../protocol/urls';
import type { AssetRef } from '../../protocol/asset-ref';
import { getResource, refOf, type ResourceRow } from '../../storage/resources';
import { updateAsset } from '../../storage/assets';
import { notificationUrlFor } from '../jobs/asset-notifications';
import { enqueueNotification } from '../jobs/notify';
import { MODERATION_STATUSES, type ModerationStatus } from './kinds';

export function parseModerationStatus(raw: string | undefined): ModerationStatus {
  if (!raw || !(MODERATION_STATUSES as readonly string[]).includes(raw)) {
    throw badRequest(`Illegal value ${raw ?? ''} for parameter moderation_status: use approved, rejected or pending`);
  }
  return raw as ModerationStatus;
}

/**
 * Everything that follows a moderation decision: every cached answer of the
 * asset goes (a rejected asset must stop being served, and an approved one
 * must stop showing the default image served meanwhile), and the asset's
 * notification URL (the upload's `notification_url`, else the cloud's) is told.
 */
export async function moderationChanged(env: Env, r: ResourceRow, from: string | null, base?: UrlBase): Promise<void> {
  await purgeAsset(env, refOf(r));
  const url = await notificationUrlFor(env, refOf(r));
  if (!url) return;
  const urls = base ? resourceUrls(base, r) : {};
  await enqueueNotification(env, r.cloud, url, {
    notification_type: 'moderation',
    moderation_kind: r.moderation_kind ?? 'manual',
    moderation_status: r.moderation_status,
    previous_moderation_status: from,
    moderation_updated_at: r.moderation_updated_at,
    asset_id: r.asset_id,
    public_id: r.public_id,
    version: r.version,
    resource_type: r.resource_type,
    type: r.type,
    uploaded_at: r.uploaded_at,
    ...urls,
  });
}

/**
 * Sets an asset's moderation status (what the Admin API's update with
 * `moderation_status` does). A change purges and notifies; setting the
 * status it already has changes nothing. Returns the row after the change.
 */
export async function setModerationStatus(env: Env, ref: AssetRef, status: ModerationStatus, base?: UrlBase): Promise<ResourceRow> {
  const before = await getResource(env.DB, ref);
  if (!before) throw notFound(`Resource not found - ${ref.publicId}`);
  if (before.moderation_status === status) return before;
  await updateAsset(env.DB, before, { moderationStatus: status });
  const after = await getResource(env.DB, ref);
  if (!after) throw notFound(`Resource not found - ${ref.publicId}`);
  await moderationChanged(env, after, before.moderation_status, base);
  return after;
}
