import type { Env } from '../config/env';
import { CldError, deliveryErrorResponse, notFound } from '../errors';
import { findCloud } from '../config/clouds';
import { cloudForHost } from '../config/hosts';
import { getSettings } from '../config/settings';
import { limitsFrom } from '../config/limits';
import { checkRequestAccess, checkResourceAccess, withAccessPolicy, type AccessInput } from './access/check';
import type { ResourceRow } from '../storage/resources';
import { isRealVersion, normaliseFormat, parseDeliveryPath, pathOnCloudHost, type DeliveryRequest } from '../protocol/delivery-url';
import { cacheControl, deliveryHeaders, respondWithBody } from '../protocol/delivery-headers';
import { resolveSource } from './source';
import { bypassEdgeCache, serveThroughCache, type CachedStages } from './edge-cache';
import { remember, resourceForHit } from '../services/cache/resource-memo';
import { deliverDerived } from '../services/derived/derive';
import { isDeliverable } from '../services/derived/default-image';
import { expandNamed, namedLookupFor } from '../services/named-transformations';

/** No transformation and no change of format: the stored bytes are the answer. */
export const wantsOriginal = (d: DeliveryRequest, r: ResourceRow) =>
  d.transformations.length === 0 &&
  (d.format === undefined || r.resource_type === 'raw' || normaliseFormat(d.format) === normaliseFormat(r.format));

/**
 * GET/HEAD of a delivery URL, top to bottom: parse, find the cloud, check
 * access, resolve the source, answer with the original or a derived image,
 * through the edge cache (which re-runs the asset's access checks on a hit).
 */
export async function handleDelivery(req: Request, env: Env, ctx?: ExecutionContext): Promise<Response> {
  try {
    const url = new URL(req.url);
    const d = parseDeliveryPath(await deliveryPathname(env, url), url.search.slice(1));
    const cloud = findCloud(env, d.cloud);
    if (!cloud) throw notFound(`Unknown cloud name ${d.cloud}`);
    if (d.resourceType === 'video') throw new CldError(501, 'Video delivery is not supported');
    const access: AccessInput = { req, env, d, cloud, settings: await getSettings(env.CONFIG, d.cloud) };
    const decision = await checkRequestAccess(access);

    const ref = { cloud: d.cloud, resourceType: d.resourceType, type: d.type, publicId: d.publicId };
    const stages: CachedStages = {
      checkHit: async () => {
        const stored = await resourceForHit(env.DB, ref);
        // Missing or rejected: answered as a miss, where d_ or the 404 is decided.
        if (!stored || !isDeliverable(stored)) return { ...decision, shareable: false };
        return checkResourceAccess(access, stored, decision);
      },
      produce: async () => {
        const { d: target, resource } = await resolveSource(env, d, access.settings);
        const substituted = target !== d;
        if (!substituted) remember(ref, resource);
        const final = await checkResourceAccess(access, resource, decision);
        const answer = wantsOriginal(target, resource)
          ? await deliverOriginal(req, env, target, resource)
          : await deliverDerived(req, env, target, resource);
        // A default image stands in for an asset that may appear later: never shared.
        return { response: withAccessPolicy(answer, final), decision: substituted ? { ...final, shareable: false } : final };
      },
    };
    // Fetched originals follow FETCH_TTL_SECONDS and allowed_fetch_domains on
    // every request, so their R2 copy serves them, not the edge cache.
    if (d.type === 'fetch') return await bypassEdgeCache(stages);
    // The cache key follows what named transformations expand to, so a changed definition is a new key.
    const keyed = { ...d, transformations: await expandNamed(d.transformations, namedLookupFor(env.CONFIG, d.cloud), true) };
    return await serveThroughCache(req, env, ctx, keyed, decision, stages);
  } catch (err) {
    return deliveryErrorResponse(err);
  }
}

/** The path in its standard form: a URL without the cloud segment is one when its host is a cloud's own (the `hosts` setting). */
async function deliveryPathname(env: Env, url: URL): Promise<string> {
  const first = url.pathname.split('/')[1] ?? '';
  if (findCloud(env, first)) return url.pathname;
  const cloud = await cloudForHost(env, url.hostname);
  return cloud ? pathOnCloudHost(url.pathname, cloud) : url.pathname;
}

/** The stored bytes, untouched, with the headers INTERFACE.md lists. */
export async function deliverOriginal(req: Request, env: Env, d: DeliveryRequest, r: ResourceRow): Promise<Response> {
  const headers = deliveryHeaders(
    { contentType: r.content_type, bytes: r.bytes, etag: r.etag, lastModified: new Date(r.uploaded_at) },
    cacheControl(isRealVersion(d.version), limitsFrom(env).unversionedMaxAge),
  );
  // A conditional or HEAD request needs no bytes from R2.
  if (req.method === 'HEAD' || req.headers.has('If-None-Match')) {
    const answer = respondWithBody(req, null, headers);
    if (answer.status === 304 || req.method === 'HEAD') return answer;
  }
  const obj = await env.BUCKET.get(r.r2_key);
  if (!obj) throw notFound(`Resource not found - ${d.publicId}`);
  return respondWithBody(req, obj.body, headers);
}
