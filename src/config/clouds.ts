import { ConfigError } from './config-error';
import type { Env } from './env';

export interface CloudCredentials {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
}

/** Path segments that belong to the worker itself and can never be cloud names. */
export const RESERVED_SEGMENTS = new Set(['v1_1', 'console', 'widget']);
const CLOUD_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** `cloudinary://<api_key>:<api_secret>@<cloud_name>[?...]`, the format the SDKs read. */
export function parseCloudinaryUrl(value: string): CloudCredentials {
  const m = /^cloudinary:\/\/([^:@/]+):([^@/]+)@([^/?#]+)(?:[/?#].*)?$/.exec(value.trim());
  if (!m) throw new ConfigError('CLOUDINARY_URL', 'expected cloudinary://<api_key>:<api_secret>@<cloud_name>');
  const [, apiKey, apiSecret, cloudName] = m;
  return checkCloud('CLOUDINARY_URL', {
    cloudName: decodeURIComponent(cloudName),
    apiKey: decodeURIComponent(apiKey),
    apiSecret: decodeURIComponent(apiSecret),
  });
}

/** `CLOUDS`: a JSON array of `{cloud_name, api_key, api_secret}`. */
export function parseCloudsJson(value: string): CloudCredentials[] {
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    throw new ConfigError('CLOUDS', 'not valid JSON');
  }
  if (!Array.isArray(data)) throw new ConfigError('CLOUDS', 'expected a JSON array of {cloud_name, api_key, api_secret}');
  return data.map((entry, i) => {
    const e = entry as Record<string, unknown> | null;
    for (const k of ['cloud_name', 'api_key', 'api_secret']) {
      if (typeof e?.[k] !== 'string' || !(e[k] as string).length) {
        throw new ConfigError('CLOUDS', `entry ${i} needs a non-empty string "${k}"`);
      }
    }
    return checkCloud('CLOUDS', {
      cloudName: e!.cloud_name as string,
      apiKey: e!.api_key as string,
      apiSecret: e!.api_secret as string,
    });
  });
}

function checkCloud(variable: string, c: CloudCredentials): CloudCredentials {
  if (!CLOUD_NAME.test(c.cloudName)) throw new ConfigError(variable, `invalid cloud name "${c.cloudName}"`);
  if (RESERVED_SEGMENTS.has(c.cloudName)) throw new ConfigError(variable, `"${c.cloudName}" is reserved and cannot be a cloud name`);
  return c;
}

export interface CloudDirectory {
  byName: Map<string, CloudCredentials>;
}

let memo: { key: string; dir: CloudDirectory } | undefined;

/**
 * Every configured cloud. Parsed once per isolate for a given pair of variable
 * values; a malformed value throws a ConfigError naming it.
 */
export function loadClouds(env: Pick<Env, 'CLOUDINARY_URL' | 'CLOUDS'>): CloudDirectory {
  const key = `${env.CLOUDINARY_URL ?? ''}\u0000${env.CLOUDS ?? ''}`;
  if (memo?.key === key) return memo.dir;
  const list: CloudCredentials[] = [];
  if (env.CLOUDINARY_URL?.trim()) list.push(parseCloudinaryUrl(env.CLOUDINARY_URL));
  if (env.CLOUDS?.trim()) list.push(...parseCloudsJson(env.CLOUDS));
  if (!list.length) throw new ConfigError('CLOUDINARY_URL', 'no cloud is configured (set CLOUDINARY_URL or CLOUDS)');
  const byName = new Map<string, CloudCredentials>();
  for (const c of list) {
    if (byName.has(c.cloudName)) throw new ConfigError('CLOUDS', `cloud "${c.cloudName}" is defined twice`);
    byName.set(c.cloudName, c);
  }
  const dir = { byName };
  memo = { key, dir };
  return dir;
}

export function findCloud(env: Env, name: string): CloudCredentials | undefined {
  return loadClouds(env).byName.get(name);
}
