import { VERSIONED_MAX_AGE } from '../config/limits';
import { applyContentSafety } from './content-safety';

export interface BodyMeta {
  contentType: string;
  bytes: number;
  etag: string; // without quotes
  lastModified: Date;
}

/** `If-None-Match` against our strong ETag (weak comparison, as browsers send W/ forms back). */
export function etagMatches(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === `"${etag}"`);
}

/** Long-lived for URLs that carry a real version (not `v1`), shorter otherwise. */
export function cacheControl(versioned: boolean, unversionedMaxAge: number): string {
  return versioned ? `public, max-age=${VERSIONED_MAX_AGE}, immutable` : `public, max-age=${unversionedMaxAge}`;
}

/** The common headers of a delivered body, with the content-safety headers (user bytes never run as our page). */
export function deliveryHeaders(meta: BodyMeta, cacheControlValue: string, extra: Record<string, string> = {}): Headers {
  const h = new Headers({
    'Content-Type': meta.contentType,
    'Content-Length': String(meta.bytes),
    ETag: `"${meta.etag}"`,
    'Last-Modified': meta.lastModified.toUTCString(),
    'Cache-Control': cacheControlValue,
    'Access-Control-Allow-Origin': '*',
    // Scripts of other origins may read why an answer failed, its request id and its byte range (pdf.js, players).
    'Access-Control-Expose-Headers': 'X-Cld-Error, X-Cache, ETag, X-Request-Id, Content-Range, Accept-Ranges',
    ...extra,
  });
  return applyContentSafety(h);
}

/** 304 when the client already has it; otherwise the body (none for HEAD). */
export function respondWithBody(req: Request, body: ReadableStream | ArrayBuffer | Uint8Array | null, headers: Headers): Response {
  const etag = headers.get('ETag')?.replace(/"/g, '') ?? '';
  if (etagMatches(req.headers.get('If-None-Match'), etag)) {
    const h = new Headers(headers);
    h.delete('Content-Length');
    h.delete('Content-Type');
    return new Response(null, { status: 304, headers: h });
  }
  if (req.method === 'HEAD') {
    if (body instanceof ReadableStream) body.cancel().catch(() => undefined);
    return new Response(null, { status: 200, headers });
  }
  return new Response(body, { status: 200, headers });
}
