import type { Env } from '../config/env';
import type { CloudSettings } from '../config/settings';
import { getResource, type ResourceRow } from '../storage/resources';
import { resolveFetchSource } from '../services/remote/fetch-source';
import { autoUploadSource } from '../services/remote/auto-upload';
import { isDeliverable, substituteDefault } from '../services/derived/default-image';
import type { DeliveryRequest } from '../protocol/delivery-url';
import type { DerivationBudget } from '../services/derived/derivation-budget';

/**
 * The source stage of delivery: the stored asset; for `fetch`, the remote
 * original kept in R2; for a missing asset under a mapped folder, the one
 * auto-upload stores now. Every later stage sees the same ResourceRow shape.
 * A remote original fetched for the first time (fetch URL or auto-upload)
 * spends the unsigned request's derivation budget, like a new derived image
 * (it is loaded and stored too).
 * An asset that is missing or rejected by moderation is replaced by the
 * request's `d_` default image (the request then aims at it), or is a 404.
 */
export async function resolveSource(
  env: Env,
  d: DeliveryRequest,
  settings: CloudSettings,
  budget?: DerivationBudget,
): Promise<{ d: DeliveryRequest; resource: ResourceRow }> {
  if (d.type === 'fetch') return { d, resource: await resolveFetchSource(env, d, settings, budget) };
  const stored = await getResource(env.DB, { cloud: d.cloud, resourceType: d.resourceType, type: d.type, publicId: d.publicId });
  const resource = stored ?? (await autoUploadSource(env, d, settings, budget));
  if (resource && isDeliverable(resource)) return { d, resource };
  return substituteDefault(env.DB, d, resource);
}
