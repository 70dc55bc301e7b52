import type { DeliveryRequest } from '../delivery/url';
import { isRealVersion } from '../delivery/url';
import { normaliseFormat } from '../delivery/route';
import type { AssetRef } from '../storage/keys';

/**
 * The canonical edge-cache key of a delivery request. Two URLs that must give
 * the same bytes get the same key: the parameter order inside a transformation
 * component, a signature, an SEO suffix or the SDK's `_a=` query do not change
 * it. What the answer depends on does: cloud, resource type, type, the
 * transformation, the version form, the public id, the output format and, for
 * `f_auto`/`q_auto`, what the client accepts (the Cache API ignores `Vary`).
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

/** Transformations whose answer depends on the `Accept` header. */
const NEGOTIATED = /(^|[,/])(f_auto|q_auto)(?=$|[,/:])/;

/**
 * Placeholder canonical form until the transformation grammar lands: the
 * items of each component sorted, components kept in order (their order is
 * meaningful, the order inside one is not).
 */
export function canonicalTransformation(components: readonly string[]): string {
  return components.map((c) => c.split(',').sort().join(',')).join('/');
}

export function versionForm(version: number | undefined): string {
  if (version === undefined) return 'none';
  return isRealVersion(version) ? `v${version}` : 'v1';
}

/**
 * The formats a client takes beyond the universal ones, best first: that is
 * all `f_auto` and `q_auto` decide by, so it is all the key needs.
 */
export function acceptClass(accept: string | null): 'avif' | 'webp' | 'basic' {
  const accepted = new Set(
    (accept ?? '')
      .toLowerCase()
      .split(',')
      .map((part) => part.split(';'))
      .filter(([, ...params]) => !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p)))
      .map(([type]) => type.trim()),
  );
  if (accepted.has('image/avif')) return 'avif';
  if (accepted.has('image/webp')) return 'webp';
  return 'basic';
}

const enc = encodeURIComponent;

/** What every answer of one delivery URL shares, whatever the client accepts. */
export function urlKey(d: DeliveryRequest): string {
  const format = normaliseFormat(d.format) ?? '';
  const transformation = enc(canonicalTransformation(d.transformations)) || '-';
  return [d.cloud, d.resourceType, d.type, transformation, versionForm(d.version), enc(d.publicId) + (format ? `.${format}` : '')].join('/');
}

export function cacheKey(d: DeliveryRequest, req: Request): CacheKey {
  const shared = urlKey(d);
  const negotiated = d.transformations.some((c) => NEGOTIATED.test(c)) ? `?accept=${acceptClass(req.headers.get('Accept'))}` : '';
  return {
    url: `${new URL(req.url).origin}/__cld_cache/${shared}${negotiated}`,
    urlKey: shared,
    versionForm: versionForm(d.version),
    asset: { cloud: d.cloud, resourceType: d.resourceType, type: d.type, publicId: d.publicId },
  };
}
