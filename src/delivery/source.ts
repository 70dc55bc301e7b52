import type { Env } from '../env';
import { notFound } from '../errors';
import type { CloudSettings } from '../config/settings';
import { getResource, type ResourceRow } from '../storage/resources';
import { resolveFetchSource } from '../remote/fetch-source';
import { autoUploadSource } from '../remote/auto-upload';
import type { DeliveryRequest } from './url';

/**
 * The source stage of delivery: the stored asset; for `fetch`, the remote
 * original kept in R2; for a missing asset under a mapped folder, the one
 * auto-upload stores now. Every later stage sees the same ResourceRow shape.
 */
export async function resolveSource(env: Env, d: DeliveryRequest, settings: CloudSettings): Promise<ResourceRow> {
  if (d.type === 'fetch') return resolveFetchSource(env, d, settings);
  const stored = await getResource(env.DB, { cloud: d.cloud, resourceType: d.resourceType, type: d.type, publicId: d.publicId });
  const resource = stored ?? (await autoUploadSource(env, d, settings));
  if (!resource) throw notFound(`Resource not found - ${d.publicId}`);
  return resource;
}
