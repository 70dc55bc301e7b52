import type { Context, MiddlewareHandler } from 'hono';
import type { Env } from '../config/env';
import { unauthorized } from '../errors';
import { findCloud, type CloudCredentials } from '../config/clouds';
import { checkBasicAuth } from '../auth/basic';

/** What every handler sees: the bindings, and (behind withCloud or adminAuth) the cloud the path names. */
export type AppEnv = { Bindings: Env; Variables: { cloud: CloudCredentials } };

/** The cloud named in an API path; an unknown name is a 401, as at Cloudinary. */
function apiCloud(c: Context<AppEnv>): CloudCredentials {
  const name = c.req.param('cloud') ?? '';
  const cloud = findCloud(c.env, name);
  if (!cloud) throw unauthorized(`Invalid cloud_name ${name}`);
  return cloud;
}

/**
 * Route middleware of the Upload API: the cloud named in the path, on the
 * context as `cloud` (each request then proves itself with a signature or an
 * unsigned preset).
 */
export const withCloud: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('cloud', apiCloud(c));
  await next();
};

/**
 * Route middleware of the Admin API: the cloud named in the path, after HTTP
 * Basic auth with that cloud's own key and secret, on the context as `cloud`.
 */
export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const cloud = apiCloud(c);
  checkBasicAuth(c.req.header('Authorization'), cloud);
  c.set('cloud', cloud);
  await next();
};
