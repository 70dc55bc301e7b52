import type { Context } from 'hono';
import type { Env } from '../config/env';
import { unauthorized } from '../errors';
import { findCloud, type CloudCredentials } from '../config/clouds';
import { checkBasicAuth } from '../auth/basic';

export type AppEnv = { Bindings: Env };

/** The cloud named in an API path; an unknown name is a 401, as at Cloudinary. */
export function apiCloud(c: Context<AppEnv>): CloudCredentials {
  const name = c.req.param('cloud') ?? '';
  const cloud = findCloud(c.env, name);
  if (!cloud) throw unauthorized(`Invalid cloud_name ${name}`);
  return cloud;
}

/** The cloud named in the path, after HTTP Basic auth with that cloud's own key and secret. */
export function adminCloud(c: Context<AppEnv>): CloudCredentials {
  const cloud = apiCloud(c);
  checkBasicAuth(c.req.header('Authorization'), cloud);
  return cloud;
}
