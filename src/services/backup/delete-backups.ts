import type { Env } from '../../config/env';
import { badRequest, notFound } from '../../errors';
import { deleteRevisions } from '../../storage/revision-delete';

/** Cloudinary takes at most 100 version ids per call. */
const MAX_VERSION_IDS = 100;

/**
 * `delete_backed_up_assets(asset_id, version_ids)` (`DELETE resources/backup/<asset_id>`):
 * removes backed-up versions for good, the index rows and then their bytes.
 */
export async function deleteBackedUpVersions(env: Env, cloud: string, assetId: string, versionIds: string[]) {
  if (!/^[0-9a-f]{32}$/.test(assetId)) throw badRequest(`Invalid asset_id ${assetId}`);
  if (!versionIds.length) throw badRequest('Missing required parameter - version_ids');
  if (versionIds.length > MAX_VERSION_IDS) throw badRequest(`Too many version_ids: at most ${MAX_VERSION_IDS}`);
  const { deleted, orphanKeys } = await deleteRevisions(env.DB, cloud, assetId, versionIds);
  if (!deleted.length) throw notFound(`No backed up versions ${versionIds.join(', ')} of asset ${assetId} found`);
  if (orphanKeys.length) await env.BUCKET.delete(orphanKeys);
  return { asset_id: assetId, deleted_version_ids: deleted };
}
