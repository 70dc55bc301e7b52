import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../cloud';
import { isRasterImage } from '../../protocol/content-safety';

/**
 * `CONSOLE_HOST`: the one host name (with its port, if any) that serves the
 * media library. A path is not a security boundary; a host is (browsers keep
 * cookies, storage and same-origin reads per origin). With it set:
 * - `/console/...` on any other host answers 404;
 * - on the console host, the Upload and Admin APIs (`/v1_1/...`) answer as
 *   everywhere (the page uploads there), and of everything else only raster
 *   images pass (the page's thumbnails and previews): uploaded documents,
 *   scripts and SVG of any cloud are 404 there, so they never share its origin.
 */
export const consoleHostOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  const consoleHost = c.env.CONSOLE_HOST?.trim().toLowerCase();
  if (!consoleHost) return next();
  const url = new URL(c.req.url);
  const onConsoleHost = url.host.toLowerCase() === consoleHost || url.hostname.toLowerCase() === consoleHost;
  const consolePath = url.pathname === '/console' || url.pathname.startsWith('/console/');
  if (consolePath) return onConsoleHost ? next() : c.notFound();
  await next();
  if (!onConsoleHost || url.pathname.startsWith('/v1_1/') || c.res.status === 304 || isRasterImage(c.res.headers.get('Content-Type')))
    return;
  c.res.body?.cancel().catch(() => undefined);
  c.res = undefined;
  c.res = new Response(null, {
    status: 404,
    headers: { 'X-Cld-Error': 'Only images are served on the console host', 'Cache-Control': 'no-store' },
  });
};
