import { logEvent } from './log';

/**
 * One error value for the whole worker: a status and Cloudinary's wording.
 * Delivery turns it into an `X-Cld-Error` header, the APIs into `{"error":{"message"}}`.
 */
export class CldError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'CldError';
  }
}

/**
 * What storage reports, in its own terms: it knows no HTTP. The edge maps
 * each kind to Cloudinary's status (STATUS_OF_KIND) when it answers.
 */
export type DomainErrorKind = 'not_found' | 'already_exists' | 'invalid' | 'internal';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Cloudinary answers an existing target (`to_public_id ... already exists`) with 400, not 409. */
const STATUS_OF_KIND: Record<DomainErrorKind, number> = { not_found: 404, already_exists: 400, invalid: 400, internal: 500 };

export const badRequest = (message: string) => new CldError(400, message);
export const unauthorized = (message: string) => new CldError(401, message);
export const notFound = (message: string) => new CldError(404, message);

/** Statuses the SDKs parse as JSON on the Upload API; anything else becomes 400 or 500. */
const UPLOAD_API_STATUSES = new Set([200, 400, 401, 404, 420, 429, 500]);
/** The Admin API additionally parses 403 and 409. */
const ADMIN_API_STATUSES = new Set([...UPLOAD_API_STATUSES, 403, 409]);

export type ApiKind = 'upload' | 'admin';

/** Any error as the CldError it is answered with: domain errors by their kind, anything unexpected as a logged 500. */
export function asCldError(err: unknown): CldError {
  if (err instanceof CldError) return err;
  if (err instanceof DomainError) return new CldError(STATUS_OF_KIND[err.kind], err.message);
  logEvent('error', 'unexpected error', { error: err });
  return new CldError(500, 'Internal error');
}

/** Cloudinary's error JSON with a status code the SDKs understand. */
export function apiErrorResponse(err: unknown, kind: ApiKind = 'upload'): Response {
  const e = asCldError(err);
  const allowed = kind === 'admin' ? ADMIN_API_STATUSES : UPLOAD_API_STATUSES;
  let status = e.status;
  if (!allowed.has(status)) status = status >= 500 ? 500 : 400;
  return new Response(JSON.stringify({ error: { message: e.message } }), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...e.headers },
  });
}

/** A delivery failure: the status plus `X-Cld-Error` saying why, as Cloudinary's CDN answers. */
export function deliveryErrorResponse(err: unknown): Response {
  const e = asCldError(err);
  return new Response(null, {
    status: e.status,
    headers: {
      'X-Cld-Error': headerSafe(e.message),
      'Cache-Control': 'no-store',
      ...e.headers,
    },
  });
}

/** Header values must be ISO-8859-1 without control characters. */
function headerSafe(message: string): string {
  return message.replace(/[^\x20-\x7e]/g, (c) => encodeURIComponent(c)).slice(0, 1024);
}
