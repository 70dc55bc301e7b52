import { isRealVersion, normaliseFormat, type DeliveryRequest } from './delivery-url';
import type { AssetRef } from './asset-ref';
import { parseTransformation } from '../engine/parse';
import { negotiateFormat, resolveDpr, resolveWidth } from '../engine/negotiate';
import type { Plan } from '../engine/types';

/**
 * The canonical edge-cache key of a delivery request. Two URLs that must give
 * the same bytes get the same key: the parameter order inside a transformation
 * component, a signature, an SEO suffix or the SDK's `_a=` query do not change
 * it. What the answer depends on does: cloud, resource type, type, the
 * transformation, the version form, the public id, the output format and, for
 * `f_auto`/`q_auto`/`dpr_auto`/`w_auto`, what the request resolves them to.
 */
export interface CacheKey {
  /** The URL the Cache API stores the answer under (on the request's own host, as Cloudflare advises). */
  url: string;
  /** The key without host and negotiation: every answer one delivery URL can give shares it. */
  urlKey: string;
  /** `none`, `v1` or `v<version>`: what invalidation selects by. */
  versionForm: string;
  asset: AssetRef;
}

export function versionForm(version: number | undefined): string {
  if (version === undefined) return 'none';
  return isRealVersion(version) ? `v${version}` : 'v1';
}

/**
 * What a request-dependent plan resolves from the request, as the engine will
 * resolve it: the `f_auto` choice (which also sets `q_auto`'s scale) and the
 * `dpr_auto` ratio. The Cache API ignores `Vary`, so these go into the key.
 */
function negotiated(plan: Plan, req: Request): string {
  const parts: string[] = [];
  // `jpg` stands for "neither AVIF nor WebP": the asset's own fallback is fixed per key.
  if (plan.dependsOn.accept) parts.push(`accept=${negotiateFormat(req.headers.get('Accept'), 'jpg')}`);
  if (plan.dependsOn.dpr) parts.push(`dpr=${resolveDpr(plan, req.headers.get('Sec-CH-DPR') ?? req.headers.get('DPR'))}`);
  if (plan.dependsOn.width)
    parts.push(`width=${resolveWidth(plan, req.headers.get('Sec-CH-Width') ?? req.headers.get('Width')) ?? 'none'}`);
  return parts.join('&');
}

const enc = encodeURIComponent;

/** What every answer of one delivery URL shares, whatever the client accepts. */
export function urlKey(d: DeliveryRequest, plan = parseTransformation(d.transformations, { encoded: true })): string {
  const format = normaliseFormat(d.format) ?? '';
  const transformation = enc(plan.canonical) || '-';
  return [d.cloud, d.resourceType, d.type, transformation, versionForm(d.version), enc(d.publicId) + (format ? `.${format}` : '')].join(
    '/',
  );
}

/** `plan`: the request's transformation with named transformations expanded (the delivery pipeline's plan). */
export function cacheKey(d: DeliveryRequest, req: Request, plan = parseTransformation(d.transformations, { encoded: true })): CacheKey {
  const shared = urlKey(d, plan);
  const query = negotiated(plan, req);
  return {
    url: `${new URL(req.url).origin}/__cld_cache/${shared}${query ? `?${query}` : ''}`,
    urlKey: shared,
    versionForm: versionForm(d.version),
    asset: { cloud: d.cloud, resourceType: d.resourceType, type: d.type, publicId: d.publicId },
  };
}
