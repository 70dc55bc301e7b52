import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './cloud';
import { applyContentSafety } from '../protocol/content-safety';

/**
 * Every answer of the worker (delivery, APIs, console, widget, errors) leaves
 * with the content-safety headers of src/protocol/content-safety.ts.
 */
export const contentSafety: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const res = c.res;
  const headers = applyContentSafety(new Headers(res.headers));
  c.res = undefined;
  c.res = new Response(res.body, { status: res.status, statusText: res.statusText, headers });
};
