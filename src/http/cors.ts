import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './cloud';
import { findCloud } from '../config/clouds';
import { getSettings } from '../config/settings';
import { apiErrorResponse, CldError } from '../errors';

/**
 * Browsers may call the Upload API from other origins (direct uploads, the
 * upload widget); the Admin API never answers them. A cloud's
 * `allowed_upload_origins` lists the origins that may upload; an empty list
 * lets any origin upload (unsigned uploads still need an unsigned preset).
 * The list applies to every request that carries an `Origin` header, signed or not.
 */
const UPLOAD_PATH = /^\/v1_1\/([^/]+)\/(?:(?:image|raw|auto|video)\/upload|delete_by_token)$/;

/** What browser code of the SDKs and the widget sends and must read back. */
const ALLOW_HEADERS = 'Content-Type, X-Requested-With, Content-Range, X-Unique-Upload-Id, X-D1-Bookmark';
const EXPOSE_HEADERS = 'X-Cld-Error, X-Request-Id, Location, X-D1-Bookmark';
const PREFLIGHT_MAX_AGE = '600';

export function originAllowed(allowed: readonly string[], origin: string): boolean {
  if (!allowed.length) return true;
  const o = origin.toLowerCase().replace(/\/+$/, '');
  return allowed.some((a) => a.toLowerCase().replace(/\/+$/, '') === o);
}

function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': EXPOSE_HEADERS,
    Vary: 'Origin',
  };
}

/** The Upload API's CORS: preflights, allowed origins, exposed headers. */
export const uploadCors: MiddlewareHandler<AppEnv> = async (c, next) => {
  const path = new URL(c.req.url).pathname;
  const m = UPLOAD_PATH.exec(path);
  const origin = c.req.header('Origin');
  if (!m || !origin) return next();
  const cloud = findCloud(c.env, m[1]);
  const allowed = cloud ? (await getSettings(c.env.CONFIG, cloud.cloudName)).allowed_upload_origins : [];
  const ok = !!cloud && originAllowed(allowed, origin);

  if (c.req.method === 'OPTIONS') {
    if (!ok) return new Response(null, { status: 403, headers: { Vary: 'Origin' } });
    return new Response(null, {
      status: 204,
      headers: {
        ...corsHeaders(origin),
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': ALLOW_HEADERS,
        'Access-Control-Max-Age': PREFLIGHT_MAX_AGE,
      },
    });
  }
  if (!ok) {
    // Drain nothing: the body is never read, and the browser gets no CORS grant.
    await c.req.raw.body?.cancel().catch(() => undefined);
    return apiErrorResponse(new CldError(401, `Origin ${origin} is not allowed to upload to this cloud`), 'upload');
  }
  await next();
  for (const [k, v] of Object.entries(corsHeaders(origin))) c.res.headers.set(k, v);
};

/**
 * Everything else under /v1_1 is the Admin API (Basic auth): a cross-origin
 * request gets no CORS grant, and a cross-origin call that carries an Origin
 * is refused before it can act.
 */
export const adminNoCors: MiddlewareHandler<AppEnv> = async (c, next) => {
  const url = new URL(c.req.url);
  const origin = c.req.header('Origin');
  if (!url.pathname.startsWith('/v1_1/') || UPLOAD_PATH.test(url.pathname) || !origin || origin === url.origin) return next();
  if (c.req.method === 'OPTIONS') return new Response(null, { status: 403 });
  return apiErrorResponse(new CldError(403, 'The Admin API does not answer cross-origin requests'), 'admin');
};
