import { getResource, isDeliverable } from '../storage/resources';
import { resolveFetchSource } from '../services/remote/fetch-source';
import { autoUploadSource } from '../services/remote/auto-upload';
import { remember } from '../services/cache/resource-memo';
import { substituteDefault } from './default-image';
import type { Planned, Sourced } from './context';

/**
 * Stage "source": the stored asset; for `fetch`, the remote original kept in
 * R2; for a missing asset under a mapped folder, the one auto-upload stores
 * now. Every later stage sees the same ResourceRow shape. An asset that is
 * missing or rejected by moderation is replaced by the request's `d_` default
 * image (the target then aims at it), or is a 404. A remote original fetched
 * for the first time (fetch URL or auto-upload) spends the unsigned request's
 * derivation budget, like a new derived image (it is loaded and stored too).
 */
export async function findSource(c: Planned): Promise<Sourced> {
  const { env, d, planned } = c;
  if (d.type === 'fetch') {
    const { freshUntil, ...resource } = await resolveFetchSource(env, d, c.settings, c.spend.budget);
    return { ...c, target: { d, planned, resource, substitute: false, freshUntil } };
  }
  const ref = { cloud: d.cloud, resourceType: d.resourceType, type: d.type, publicId: d.publicId };
  const stored = await getResource(env.DB, ref);
  const resource = stored ?? (await autoUploadSource(env, d, c.settings, c.spend.budget));
  if (resource && isDeliverable(resource)) {
    // Cache hits of this asset are checked against this row for a while (no second read).
    remember(ref, resource);
    return { ...c, target: { d, planned, resource, substitute: false } };
  }
  return { ...c, target: await substituteDefault(env.DB, d, planned, resource) };
}
