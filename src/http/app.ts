import { Hono } from 'hono';
import { apiErrorResponse, deliveryErrorResponse, notFound } from '../errors';
import { configFrom } from '../config/config';
import { ConfigError } from '../config/config-error';
import { ensureSchema } from '../storage/schema';
import type { AppEnv } from './cloud';
import { adminApi } from './admin/routes';
import { countDelivery } from '../services/usage-counters';
import { uploadApi } from './upload/routes';
import { deliver } from '../delivery/pipeline';
import { benchRoutes } from './bench';
import { adminNoCors, uploadCors } from './cors';
import { widgetRoutes } from './widget/routes';
import { consoleRoutes } from './console/routes';
import { contentSafety } from './content-safety';
import { consoleHostOnly } from './console/host';
import { requestContext } from './request-id';
import { d1BookmarkOf, meterBindings } from '../config/metered-bindings';
import { BOOKMARK_HEADER, sessionStart } from '../config/d1-session';

export const app = new Hono<AppEnv>();

// Before anything reads a binding: each request gets its own metered bindings (src/config/metered-bindings.ts),
// its D1 a session that may read from a replica (src/config/d1-session.ts). An API answer carries the session's
// bookmark, which the client may send back so that its next read sees what this call wrote.
app.use('*', async (c, next) => {
  c.env = meterBindings(c.env, sessionStart(c.req.raw));
  await next();
  const bookmark = d1BookmarkOf(c.env);
  if (bookmark && new URL(c.req.url).pathname.startsWith('/v1_1/')) c.header(BOOKMARK_HEADER, bookmark);
});

// First, so every answer (configuration errors included) carries X-Request-Id and failures are logged.
app.use('*', requestContext);

// Then, so that every answer, errors included, carries the content-safety headers.
app.use('*', contentSafety);
app.use('*', consoleHostOnly);

// Configuration is validated on every request (cheaply: parsed once per
// isolate), so a malformed variable is reported by name instead of failing later.
app.use('*', async (c, next) => {
  try {
    configFrom(c.env);
  } catch (err) {
    if (err instanceof ConfigError) return configErrorPage(err);
    throw err;
  }
  await next();
});

// The D1 schema is made ready once per request, before any handler (a no-op
// after the first request of an isolate), so storage functions never check it.
app.use('*', async (c, next) => {
  await ensureSchema(c.env.DB);
  await next();
});

app.use('/v1_1/*', uploadCors);
app.use('/v1_1/*', adminNoCors);

app.route('/', widgetRoutes);
app.route(
  '/',
  consoleRoutes(async (req, env, ctx) => app.fetch(normaliseApiPath(req), env, ctx)),
);
// Each API under its base path, with its own credentials middleware and error boundary.
app.route('/v1_1/:cloud', uploadApi);
app.route('/v1_1/:cloud', adminApi);
app.route('/', benchRoutes);

app.all('/v1_1/*', () => apiErrorResponse(notFound('Not found'), 'admin'));
app.on(['GET', 'HEAD'], '/:cloud/*', async (c) => {
  const res = await deliver(c.req.raw, c.env, c.executionCtx as ExecutionContext);
  countDelivery(c.env, c.executionCtx, c.req.raw, res);
  return res;
});
app.get('/', (c) => c.text('cld-worker: a Cloudinary-compatible media service. See README.md.\n'));

app.onError((err, c) => {
  const path = new URL(c.req.url).pathname;
  if (path.startsWith('/v1_1/')) return apiErrorResponse(err, 'admin');
  return deliveryErrorResponse(err);
});
app.notFound(() => deliveryErrorResponse(notFound('Not found')));

function configErrorPage(err: ConfigError): Response {
  return new Response(`${err.message}\n\nFix the ${err.variable} variable (see README.md, "Configuration").\n`, {
    status: err.status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Cld-Error': err.message },
  });
}

/**
 * Admin paths arrive with `%2F`-encoded slashes from the Node SDK
 * (`resources%2Fimage%2Fupload`): decode them before routing.
 */
export function normaliseApiPath(req: Request): Request {
  const url = new URL(req.url);
  if (!url.pathname.startsWith('/v1_1/') || !/%2F/i.test(url.pathname)) return req;
  url.pathname = url.pathname.replace(/%2F/gi, '/');
  return new Request(url.toString(), req);
}
