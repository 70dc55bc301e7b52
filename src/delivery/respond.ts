import { notFound } from '../errors';
import { configFrom } from '../config/config';
import { isRealVersion } from '../protocol/delivery-url';
import { cacheControl, deliveryHeaders, respondWithBody } from '../protocol/delivery-headers';
import type { DerivedObject } from '../services/derived/store';
import type { Sourced } from './context';
import { requestedRange } from '../protocol/byte-range';
import { partial, unsatisfiable } from './range';

/**
 * Stage "respond": the answer's bytes and headers (ETag, Last-Modified,
 * Cache-Control by version form, Vary, Content-Disposition), 304 and HEAD
 * included. Access policy and X-Cache are applied around it by the pipeline.
 */
const maxAgeOf = (s: Sourced) => cacheControl(isRealVersion(s.target.d.version), configFrom(s.env).limits.unversionedMaxAge);

/** The stored bytes, untouched. */
export async function respondOriginal(s: Sourced): Promise<Response> {
  const { req, env, target } = s;
  const r = target.resource;
  const headers = deliveryHeaders(
    { contentType: r.content_type, bytes: r.bytes, etag: r.etag, lastModified: new Date(r.uploaded_at) },
    maxAgeOf(s),
  );
  // A conditional or HEAD request needs no bytes from R2.
  if (req.method === 'HEAD' || req.headers.has('If-None-Match')) {
    const answer = respondWithBody(req, null, headers);
    if (answer.status === 304 || req.method === 'HEAD') return answer;
  }
  // A byte range of an original (large raw files, PDFs, players seeking) reads only that slice from R2.
  const range = requestedRange(req, r.bytes, headers);
  if (range === 'unsatisfiable') return unsatisfiable(r.bytes);
  const obj = await env.BUCKET.get(r.r2_key, range ? { range: { offset: range.start, length: range.end - range.start + 1 } } : {});
  if (!obj) throw notFound(`Resource not found - ${target.d.publicId}`);
  if (range) return partial(headers, obj.body, range, r.bytes);
  return respondWithBody(req, obj.body, headers);
}

/** A derived image; with `fl_getinfo`, Cloudinary's JSON about it instead. */
export function respondDerived(s: Sourced, obj: DerivedObject): Response {
  const { plan } = s.target.planned;
  if (plan.output.flags.has('getinfo')) return respondInfo(s, obj);
  const extra: Record<string, string> = {};
  const vary = [
    plan.dependsOn.accept ? 'Accept' : '',
    plan.dependsOn.dpr ? 'DPR, Sec-CH-DPR' : '',
    plan.dependsOn.width ? 'Width, Sec-CH-Width' : '',
  ].filter(Boolean);
  if (vary.length) extra.Vary = vary.join(', ');
  if (plan.output.flags.has('attachment')) extra['Content-Disposition'] = attachment(s, obj.contentType);
  const headers = deliveryHeaders(
    { contentType: obj.contentType, bytes: obj.bytes, etag: obj.etag, lastModified: obj.uploaded },
    maxAgeOf(s),
    extra,
  );
  return respondWithBody(s.req, obj.body, headers);
}

/** `fl_getinfo`: the input's and the output's size and format. */
function respondInfo(s: Sourced, obj: DerivedObject): Response {
  if (obj.body instanceof ReadableStream) obj.body.cancel().catch(() => undefined);
  const r = s.target.resource;
  const info = {
    input: { width: r.width, height: r.height, bytes: r.bytes, format: r.format },
    output: { width: obj.width, height: obj.height, format: obj.contentType.split('/')[1]?.replace('jpeg', 'jpg'), bytes: obj.bytes },
  };
  const body = new TextEncoder().encode(JSON.stringify(info));
  const headers = deliveryHeaders(
    { contentType: 'application/json', bytes: body.length, etag: `${obj.etag}-info`, lastModified: obj.uploaded },
    maxAgeOf(s),
  );
  return respondWithBody(s.req, body, headers);
}

function attachment(s: Sourced, contentType: string): string {
  const ext = contentType.split('/')[1]?.replace('jpeg', 'jpg').replace('svg+xml', 'svg') ?? 'bin';
  const base = s.target.planned.plan.output.attachmentName ?? s.target.d.publicId.split('/').pop() ?? 'download';
  const name = `${base}.${ext}`;
  return `attachment; filename="${name.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
