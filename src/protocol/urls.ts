import { configFrom } from '../config/config';
import type { Env } from '../config/env';

/**
 * Where answers say assets live: the worker's own host as the request reached
 * it, or DELIVERY_BASE_URL when a custom domain fronts the worker.
 */
export interface UrlBase {
  url: string; // e.g. http://localhost:8787
  secureUrl: string; // https, except on a loopback host where it equals url
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

export function urlBase(env: Env, requestUrl: string): UrlBase {
  const origin = configFrom(env).deliveryBaseUrl ?? new URL(requestUrl).origin;
  const u = new URL(origin);
  const path = u.pathname.replace(/\/+$/, '');
  const url = `${u.protocol}//${u.host}${path}`;
  const secureUrl = LOOPBACK.test(u.hostname) ? url : `https://${u.host}${path}`;
  return { url, secureUrl };
}

/** The public id as the SDKs encode it: percent-encoded, but `/` and `:` kept. */
function encodePublicId(publicId: string): string {
  let decoded = publicId;
  try {
    decoded = decodeURIComponent(publicId);
  } catch {
    // not encoded: use as is
  }
  return encodeURIComponent(decoded).replace(/%3A/g, ':').replace(/%2F/g, '/');
}

export interface UrlParts {
  cloud: string;
  resourceType: string;
  type: string;
  transformation?: string;
  version?: number;
  publicId: string;
  format?: string | null;
}

/** `/<cloud>/<rt>/<type>/[<transformation>/][v<version>/]<public id>[.<format>]`, as the SDK assembles it. */
function deliveryPath(p: UrlParts): string {
  const parts = [p.cloud, p.resourceType, p.type];
  if (p.transformation) parts.push(p.transformation.replace(/ /g, '%20'));
  if (p.version !== undefined) parts.push(`v${p.version}`);
  const ext = p.format && p.resourceType !== 'raw' ? `.${p.format}` : '';
  parts.push(encodePublicId(p.publicId) + ext);
  return '/' + parts.join('/');
}

export function deliveryUrls(base: UrlBase, p: UrlParts): { url: string; secure_url: string } {
  const path = deliveryPath(p);
  return { url: base.url + path, secure_url: base.secureUrl + path };
}

/** The URLs of a stored asset's current original, as upload answers, listings and notifications give them. */
export const resourceUrls = (base: UrlBase, r: StoredAssetUrlFields) =>
  deliveryUrls(base, {
    cloud: r.cloud,
    resourceType: r.resource_type,
    type: r.type,
    version: r.version,
    publicId: r.public_id,
    format: r.format,
  });

/** The columns of a resource row that its URLs are built from. */
interface StoredAssetUrlFields {
  cloud: string;
  resource_type: string;
  type: string;
  version: number;
  public_id: string;
  format: string | null;
}
