import { badRequest, notFound } from '../errors';
import { RESERVED_SEGMENTS } from '../config/clouds';
import { isTransformationComponent } from '../engine/keys';
import { decodeSegment } from '../engine/values';

export type ResourceType = 'image' | 'raw' | 'video';
export const RESOURCE_TYPES: readonly ResourceType[] = ['image', 'raw', 'video'];
export const DELIVERY_TYPES = ['upload', 'fetch', 'private', 'authenticated', 'text', 'multi', 'sprite'] as const;
export type DeliveryType = (typeof DELIVERY_TYPES)[number];

/** A delivery URL, parsed: everything later stages need, nothing read twice. */
export interface DeliveryRequest {
  cloud: string;
  resourceType: ResourceType;
  type: DeliveryType;
  /** The `s--SIG--` component's SIG, when present. */
  signature?: string;
  /** Raw transformation components as they appear in the URL (still percent-encoded). */
  transformations: string[];
  /** The number of a `v<number>` segment; `v1` is kept as 1 but counts as unversioned. */
  version?: number;
  /** The decoded public id; for image/video without the extension, for raw with it. */
  publicId: string;
  /** The extension requested (lower case), if any. */
  format?: string;
  /** For `fetch`: the remote URL, decoded. */
  remoteUrl?: string;
  /** The source part as it appears in the URL (encoded, with extension, no version): what URL signatures cover. */
  rawSource: string;
  /** A cosmetic SEO suffix of the short forms (`/images/<id>/<suffix>.jpg`). */
  urlSuffix?: string;
}

/** Short forms of `<resource_type>/<type>` (`images`, `files`, ...), all of which carry a url_suffix. */
const SHORT_FORMS: Record<string, [ResourceType, DeliveryType, boolean]> = {
  iu: ['image', 'upload', false],
  images: ['image', 'upload', true],
  private_images: ['image', 'private', true],
  authenticated_images: ['image', 'authenticated', true],
  files: ['raw', 'upload', true],
  videos: ['video', 'upload', true],
};

/**
 * The standard path of a URL served on one of a cloud's own hosts (the
 * `hosts` setting): `/image/upload/...` and the short forms (`/images/...`)
 * get the cloud segment in front; anything else is a root path
 * (`use_root_path`: `/<transformations>/<public_id>`) of an uploaded image.
 * A path that already starts with the cloud and a resource type is kept.
 */
export function pathOnCloudHost(pathname: string, cloud: string): string {
  const [, first = '', second = ''] = pathname.split('/');
  const isTyped = (s: string) => (RESOURCE_TYPES as readonly string[]).includes(s) || Object.hasOwn(SHORT_FORMS, s);
  if (first === cloud && isTyped(second)) return pathname;
  if (isTyped(first)) return `/${cloud}${pathname}`;
  return `/${cloud}/image/upload${pathname}`;
}

/** Any `s--...--` is a signature component; a wrong length is rejected by the access check (401), not read as a folder. */
const SIGNATURE = /^s--([A-Za-z0-9_-]{1,64})--$/;
const VERSION = /^v(\d+)$/;

export { decodeSegment };

/** `jpeg` and `jpg` (and `tif`/`tiff`) name the same stored format. */
export const normaliseFormat = (f: string | null | undefined) => (f === 'jpeg' || f === 'jpe' ? 'jpg' : f === 'tif' ? 'tiff' : f);

/** Whether a `v<number>` is a real version: the SDK adds `v1` to every id in a folder. */
export const isRealVersion = (v: number | undefined): v is number => v !== undefined && v !== 1;

/**
 * Parses `/<cloud>/<resource_type>/<type>/[s--SIG--/][components/][v<version>/]<public_id>[.<ext>]`.
 * `query` is the request's search string (without `?`), needed when a plain fetch URL carries one.
 */
export function parseDeliveryPath(pathname: string, query = ''): DeliveryRequest {
  const segments = pathname.split('/').slice(1);
  const cloud = segments.shift();
  if (!cloud || RESERVED_SEGMENTS.has(cloud)) throw notFound('Not found');

  let resourceType: ResourceType;
  let type: DeliveryType;
  let hasSuffix = false;
  const first = segments.shift() ?? '';
  const short = SHORT_FORMS[first];
  if (short) {
    [resourceType, type, hasSuffix] = short;
  } else {
    if (!(RESOURCE_TYPES as readonly string[]).includes(first)) throw badRequest(`Invalid resource type: ${first || '(none)'}`);
    resourceType = first as ResourceType;
    const t = segments.shift() ?? '';
    if (!(DELIVERY_TYPES as readonly string[]).includes(t)) throw badRequest(`Invalid delivery type: ${t || '(none)'}`);
    type = t as DeliveryType;
  }

  let signature: string | undefined;
  const sig = SIGNATURE.exec(segments[0] ?? '');
  if (sig) {
    signature = sig[1];
    segments.shift();
  }

  const transformations: string[] = [];
  while (segments.length > 1 && isTransformationComponent(segments[0])) transformations.push(segments.shift()!);

  let version: number | undefined;
  const ver = VERSION.exec(segments[0] ?? '');
  if (ver && segments.length > 1) {
    version = Number(ver[1]);
    segments.shift();
  }

  if (!segments.length || segments.every((s) => s === '')) throw badRequest('Missing public id');

  if (type === 'fetch') {
    const rawSource = segments.join('/');
    const remoteUrl = normaliseRemoteUrl(decodeSegment(rawSource), query);
    return { cloud, resourceType, type, signature, transformations, version, publicId: remoteUrl, remoteUrl, rawSource };
  }

  let urlSuffix: string | undefined;
  let rawSegments = segments;
  if (hasSuffix && segments.length > 1) {
    // `/images/<public id>/<suffix>.<ext>`: the suffix is cosmetic, the extension is the format.
    const last = segments[segments.length - 1];
    const dot = last.lastIndexOf('.');
    urlSuffix = dot > 0 ? last.slice(0, dot) : last;
    rawSegments = segments.slice(0, -1);
    if (dot > 0) rawSegments = [...rawSegments.slice(0, -1), `${rawSegments[rawSegments.length - 1]}${last.slice(dot)}`];
  }
  if (rawSegments.some((s) => s === '')) throw badRequest('Invalid public id: empty path segment');
  const rawSource = rawSegments.join('/');
  const decoded = rawSegments.map(decodeSegment).join('/');

  let publicId = decoded;
  let format: string | undefined;
  const lastSeg = rawSegments[rawSegments.length - 1];
  const dot = lastSeg.lastIndexOf('.');
  if (dot > 0 && dot < lastSeg.length - 1) {
    const ext = decodeSegment(lastSeg.slice(dot + 1));
    if (/^[A-Za-z0-9]{1,10}$/.test(ext)) {
      format = ext.toLowerCase();
      // Raw files keep their extension in the public id.
      if (resourceType !== 'raw') publicId = decoded.slice(0, decoded.length - ext.length - 1);
    }
  }
  // A sprite's CSS and JSON are delivered beside its image (`image/sprite/<tag>.css`) and stored as raw files named with their extension.
  if (type === 'sprite' && resourceType === 'image' && (format === 'css' || format === 'json'))
    return { cloud, resourceType: 'raw', type, signature, transformations, version, publicId: decoded, format, rawSource, urlSuffix };
  return { cloud, resourceType, type, signature, transformations, version, publicId, format, rawSource, urlSuffix };
}

/** A fetch source: decoded once; `https:/x` (a proxy collapsed `//`) is repaired; a plain URL's query re-attached. */
function normaliseRemoteUrl(decoded: string, query: string): string {
  let url = decoded.replace(/^(https?):\/(?!\/)/i, '$1://');
  const extra = query
    .split('&')
    .filter((p) => p && !/^(_a|__cld_token__)=/.test(p))
    .join('&');
  if (extra) url += (url.includes('?') ? '&' : '?') + extra;
  return url;
}
