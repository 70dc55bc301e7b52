import type { Env } from '../../config/env';
import { notFound } from '../../errors';
import { purgeAsset } from '../cache/purge';
import { putOriginal } from '../../storage/assets';
import type { AssetRef } from '../../protocol/asset-ref';
import { getContext, getResource, getTags, type ResourceRow } from '../../storage/resources';
import { listRevisions, type RevisionRow } from '../../storage/revisions';

/** The backup service answers with the rows storage keeps. */
export { listRevisions };

/** A revision by its version number or its `version_id`; without either, the latest. */
function pickRevision(revisions: RevisionRow[], which?: number | string): RevisionRow | undefined {
  if (which === undefined || which === '') return revisions[revisions.length - 1];
  const asNumber = typeof which === 'number' ? which : /^\d+$/.test(which) ? Number(which) : undefined;
  return revisions.find((r) => r.version_id === which || (asNumber !== undefined && r.version === asNumber));
}

/**
 * Makes a backed-up original current again as a NEW version, written through
 * the asset service from the revision's bytes in R2. The version it replaces
 * is itself kept as a revision (backup), so a restore can be undone; tags,
 * context and descriptive fields of the current version carry over.
 */
export async function restoreRevision(env: Env, a: AssetRef, which?: number | string): Promise<ResourceRow> {
  const rev = pickRevision(await listRevisions(env.DB, a), which);
  if (!rev)
    throw notFound(which !== undefined ? `Version ${which} of ${a.publicId} not found` : `No backed up version of ${a.publicId} found`);
  const obj = await env.BUCKET.get(rev.r2_key);
  if (!obj) throw notFound(`Backup of version ${rev.version_id} of ${a.publicId} is missing from storage`);
  const current = await getResource(env.DB, a);
  const [tags, context] = current ? await Promise.all([getTags(env.DB, current.id), getContext(env.DB, current.id)]) : [[], {}];
  const { resource } = await putOriginal(env, {
    ref: a,
    body: obj.body,
    bytes: obj.size,
    etag: rev.etag,
    contentType: rev.content_type,
    format: rev.format,
    width: rev.width,
    height: rev.height,
    overwrite: true,
    backup: true,
    tags,
    context,
    accessMode: current?.access_mode,
    moderation: current?.moderation_kind ? { kind: current.moderation_kind, status: current.moderation_status ?? 'pending' } : null,
    originalFilename: current?.original_filename,
    assetFolder: current?.asset_folder,
    displayName: current?.display_name,
    accessControl: current?.access_control,
    coordinates: current?.coordinates,
  });
  await purgeAsset(env, a);
  return resource;
}
