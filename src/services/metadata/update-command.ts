import { badRequest } from '../../errors';
import { type Params, required } from '../../protocol/params';
import { selectAssets } from '../../storage/selection';
import { notifyCloud } from '../jobs/admin-notifications';
import type { ManageContext } from '../upload/manage';
import { oneOf, STORAGE_TYPES } from '../upload/options';
import { assignMetadata, parseMetadataParam } from './assign';

/** Cloudinary takes at most 100 public ids per update_metadata call. */
const MAX_IDS = 100;

/**
 * `update_metadata(metadata, public_ids, {type, clear_invalid})` (`POST <rt>/metadata`,
 * signed): sets the named fields of each asset, answers `{"public_ids": [...]}`
 * with the ids that exist, and notifies the cloud's notification_url.
 */
export async function updateMetadataCommand(ctx: ManageContext, params: Params): Promise<{ public_ids: string[] }> {
  const cloud = ctx.cloud.cloudName;
  const values = await parseMetadataParam(ctx.env.DB, cloud, required(params, 'metadata'), params.bool('clear_invalid', false));
  const ids = [...new Set(params.list('public_ids'))];
  if (!ids.length) required(params, 'public_ids');
  if (ids.length > MAX_IDS) throw badRequest(`Too many public_ids: at most ${MAX_IDS}`);
  const scope = { cloud, resourceType: ctx.resourceType, type: oneOf(params, 'type', STORAGE_TYPES, 'upload') };
  const rows = await selectAssets(ctx.env.DB, scope, { by: 'ids', ids }, MAX_IDS);
  await assignMetadata(
    ctx.env,
    cloud,
    rows.map((r) => r.id),
    values,
  );
  const found = new Set(rows.map((r) => r.public_id));
  const publicIds = ids.filter((id) => found.has(id));
  if (publicIds.length) {
    const metadata = Object.fromEntries(values);
    await notifyCloud(ctx.env, cloud, 'resource_metadata_changed', {
      resources: Object.fromEntries(publicIds.map((id) => [id, { resource_type: scope.resourceType, type: scope.type, metadata }])),
    });
  }
  return { public_ids: publicIds };
}
