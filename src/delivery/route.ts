import type { Env } from '../config/env';
import { CldError, deliveryErrorResponse, notFound } from '../errors';
import { findCloud } from '../config/clouds';
import { getSettings } from '../config/settings';
import { limitsFrom } from '../config/limits';
import { checkRequestAccess, checkResourceAccess, withAccessPolicy, type AccessDecision, type AccessInput } from './access/check';
import { checkLayerAccess } from './access/layers';
import type { ResourceRow } from '../storage/resources';
import { isRealVersion, normaliseFormat, parseDeliveryPath, type DeliveryRequest } from '../protocol/delivery-url';
import { cacheControl, deliveryHeaders, respondWithBody } from '../protocol/delivery-headers';
import { resolveSource } from './source';
import { bypassEdgeCache, serveThroughCache, type CachedStages } from './edge-cache';
import { remember, resourceForHit } from '../services/cache/resource-memo';
import { deliverDerived, type DeliveryContext } from '../services/derived/derive';
import { derivationBudget } from '../services/derived/derivation-budget';
import { clientKey } from './client';
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
    const d = parseDeliveryPath(url.pathname, url.search.slice(1));
    const cloud = findCloud(env, d.cloud);
    if (!cloud) throw notFound(`Unknown cloud name ${d.cloud}`);
    if (d.resourceType === 'video') throw new CldError(501, 'Video delivery is not supported');
    const access: AccessInput = { req, env, d, cloud, settings: await getSettings(env.CONFIG, d.cloud) };
    const decision = await checkRequestAccess(access);

    // Layers and cache keys follow what named transformations expand to, so a changed definition is a new key.
    const expanded = await expandNamed(d.transformations, namedLookupFor(env.CONFIG, d.cloud), true);
    const ref = { cloud: d.cloud, resourceType: d.resourceType, type: d.type, publicId: d.publicId };
    const stages: CachedStages = {
      checkHit: async () => {
        const stored = await resourceForHit(env.DB, ref);
        // Missing or rejected: answered as a miss, where d_ or the 404 is decided.
        if (!stored || !isDeliverable(stored)) return { ...decision, shareable: false };
        return checkLayerAccess(access, expanded, await checkResourceAccess(access, stored, decision));
      },
      produce: async () => {
        const context = derivedContext(req, env, ctx, d.cloud, decision);
        const { d: target, resource } = await resolveSource(env, d, access.settings, context.budget);
        const substituted = target !== d;
        if (!substituted) remember(ref, resource);
        const original = wantsOriginal(target, resource);
        const checked = await checkResourceAccess(access, resource, decision);
        const final = original ? checked : await checkLayerAccess(access, expanded, checked);
        const answer = original
          ? await deliverOriginal(req, env, target, resource)
          : await deliverDerived(req, env, target, resource, context);
        // A default image stands in for an asset that may appear later: never shared.
        return { response: withAccessPolicy(answer, final), decision: substituted ? { ...final, shareable: false } : final };
      },
    };
    // Fetched originals follow FETCH_TTL_SECONDS and allowed_fetch_domains on
    // every request, so their R2 copy serves them, not the edge cache.
    if (d.type === 'fetch') return await bypassEdgeCache(stages);
    return await serveThroughCache(req, env, ctx, { ...d, transformations: expanded }, decision, stages);
  } catch (err) {
    return deliveryErrorResponse(err);
  }
}

/** Unsigned requests spend the client's and the cloud's derivation budget; signed and token requests do not. */
function derivedContext(
  req: Request,
  env: Env,
  ctx: ExecutionContext | undefined,
  cloud: string,
  decision: AccessDecision,
): DeliveryContext {
  const proven = decision.proof.signed || decision.proof.token;
  return {
    budget: proven ? undefined : derivationBudget(env, cloud, clientKey(req)),
    waitUntil: ctx ? (work) => ctx.waitUntil(work) : undefined,
  };
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
