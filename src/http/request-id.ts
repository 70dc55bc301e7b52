import type { MiddlewareHandler } from 'hono';
import { logEvent, withRequestId, type LogLevel } from '../log';
import type { AppEnv } from './cloud';

/** Answers slower than this are logged: the figures in the docs are far below it (a large derived image takes about a second). */
export const SLOW_REQUEST_MS = 3_000;

/** An id a caller or Cloudflare's edge gave is kept when it is a plain token; anything else is replaced. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the caller's `X-Request-Id`, else Cloudflare's `cf-ray`, else a new one. */
function requestIdFor(headers: Headers): string {
  for (const name of ['X-Request-Id', 'cf-ray']) {
    const v = headers.get(name)?.trim();
    if (v && ACCEPTABLE_ID.test(v)) return v;
  }
  return crypto.randomUUID();
}

/**
 * Every answer carries `X-Request-Id`; every error answer and every slow
 * answer is logged as one JSON line with it,
 * the method, the path (never the query: it may hold tokens), the status, the
 * time taken and the reason the answer gives.
 */
export const requestContext: MiddlewareHandler<AppEnv> = async function requestContext(c, next) {
  const id = requestIdFor(c.req.raw.headers);
  const started = Date.now();
  await withRequestId(id, next);
  const ms = Date.now() - started;
  const status = c.res.status;
  if (status >= 400 || ms >= SLOW_REQUEST_MS) {
    const fields = { method: c.req.method, path: new URL(c.req.url).pathname, status, ms, reason: await reasonOf(c.res) };
    withRequestId(id, () => logEvent(...verdict(status), fields));
  }
  // A new answer around the same body: headers of answers from fetch or the cache cannot be changed in place.
  const res = new Response(c.res.body, c.res);
  res.headers.set('X-Request-Id', id);
  c.res = res;
};

/**
 * How an answer is logged: a refusal (4xx) is the client's doing and routine
 * (`info`, so `wrangler dev` stays quiet); a failure (5xx) is ours (`error`);
 * a slow success is worth a look (`warn`).
 */
function verdict(status: number): [LogLevel, string] {
  if (status >= 500) return ['error', 'request failed'];
  if (status >= 400) return ['info', 'request refused'];
  return ['warn', 'slow request'];
}

/** Why an answer failed, in its own words: `X-Cld-Error` on delivery, the error JSON's message on the APIs. */
async function reasonOf(res: Response): Promise<string | undefined> {
  const header = res.headers.get('X-Cld-Error');
  if (header) return header;
  if (res.status < 400 || !res.headers.get('Content-Type')?.includes('application/json')) return undefined;
  try {
    const body = (await res.clone().json()) as { error?: { message?: unknown } };
    return typeof body.error?.message === 'string' ? body.error.message : undefined;
  } catch {
    return undefined;
  }
}
