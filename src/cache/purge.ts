import type { Env } from '../env';
import type { AssetRef } from '../storage/keys';
import { ensureSchema } from '../storage/schema';

/**
 * The one purge function every writer calls (upload with overwrite, explicit,
 * destroy, rename, moderation, access-mode changes, the purge extension).
 * It removes every edge-cache entry recorded for the asset in `cache_entries`
 * and forgets them. Returns how many entries were removed.
 */
export interface PurgeOptions {
  /** `invalidate_versioned_urls`: also remove the versioned URL forms. */
  includeVersioned?: boolean;
  /** The caller asked for `invalidate=true` (Cloudinary's CDN invalidation), not only a local clean-up. */
  invalidate?: boolean;
}

export async function purgeAsset(env: Env, a: AssetRef, _opts: PurgeOptions = {}): Promise<number> {
  await ensureSchema(env.DB);
  const rows = await env.DB.prepare(
    'SELECT cache_key FROM cache_entries WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id = ?',
  )
    .bind(a.cloud, a.resourceType, a.type, a.publicId)
    .all<{ cache_key: string }>();
  let purged = 0;
  for (const { cache_key } of rows.results) if (await caches.default.delete(cache_key)) purged++;
  await env.DB.prepare('DELETE FROM cache_entries WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id = ?')
    .bind(a.cloud, a.resourceType, a.type, a.publicId)
    .run();
  return purged;
}
