import { Hono } from 'hono';
import { badRequest, notFound } from '../../errors';
import { withCloud, type AppEnv } from '../cloud';
import { readParams } from '../../protocol/params';
import { verifyApiSignature } from '../../auth/api-signature';
import { deliveryHeaders, respondWithBody } from '../../protocol/delivery-headers';
import { normaliseFormat, RESOURCE_TYPES } from '../../protocol/delivery-url';
import { getResource, type ResourceRow } from '../../storage/resources';
import { PRIVATE_CACHE_CONTROL } from '../../delivery/access/check';

/** Types an original can be downloaded from; fetch and text have no stored original of their own. */
const DOWNLOADABLE_TYPES = new Set(['upload', 'private', 'authenticated']);

/** `attachment; filename=...` with an ASCII fallback and the UTF-8 form (RFC 6266). */
function contentDisposition(r: ResourceRow): string {
  const base = r.public_id.slice(r.public_id.lastIndexOf('/') + 1);
  const name = r.resource_type === 'raw' || !r.format ? base : `${base}.${r.format}`;
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * `GET /v1_1/<cloud>/<resource_type>/download`: the SDK's `private_download_url`.
 * The query is a signed API request; the original is delivered
 * until `expires_at` (or one hour after `timestamp` without it), then 401.
 * The answer is kept by no cache: the next requester may hold no such URL.
 */
export const downloadRoutes = new Hono<AppEnv>().get('/:rt/download', withCloud, async (c) => {
  const cloud = c.get('cloud');
  const rt = c.req.param('rt');
  if (!(RESOURCE_TYPES as readonly string[]).includes(rt)) throw badRequest(`Invalid resource type ${rt}`);
  const given = await readParams(c.req.raw);
  const { params } = await verifyApiSignature(given, cloud, { expiresAt: given.int('expires_at') });

  const publicId = params.string('public_id');
  if (!publicId) throw badRequest('Missing required parameter - public_id');
  const type = params.string('type') || 'upload';
  if (!DOWNLOADABLE_TYPES.has(type)) throw badRequest(`Invalid type ${type}`);
  const r = await getResource(c.env.DB, { cloud: cloud.cloudName, resourceType: rt, type, publicId });
  if (!r) throw notFound(`Resource not found - ${publicId}`);
  const format = params.string('format');
  if (format && rt !== 'raw' && normaliseFormat(format.toLowerCase()) !== normaliseFormat(r.format)) {
    throw badRequest(`Download in another format (${format}) is not supported; the original is ${r.format}`);
  }

  const extra: Record<string, string> = params.bool('attachment', false) ? { 'Content-Disposition': contentDisposition(r) } : {};
  const headers = deliveryHeaders(
    { contentType: r.content_type, bytes: r.bytes, etag: r.etag, lastModified: new Date(r.uploaded_at) },
    PRIVATE_CACHE_CONTROL,
    extra,
  );
  if (c.req.method === 'HEAD') return respondWithBody(c.req.raw, null, headers);
  const obj = await c.env.BUCKET.get(r.r2_key);
  if (!obj) throw notFound(`Resource not found - ${publicId}`);
  return respondWithBody(c.req.raw, obj.body, headers);
});
