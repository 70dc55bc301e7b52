import { ConfigError } from './config-error';
import type { Env } from './env';

/** One API key of a cloud, and where it was configured (named in configuration errors). */
export interface ApiKeyPair {
  apiKey: string;
  apiSecret: string;
  source: string;
}

/**
 * A cloud and its API keys. A cloud may have several keys at once, so a
 * secret can be rotated without downtime: every check accepts any of them.
 * `apiKey`/`apiSecret` are the primary key (the first configured): it signs
 * what the worker itself sends (notifications, its own console's calls).
 */
export interface CloudCredentials {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  keys: readonly ApiKeyPair[];
}

/** One configured entry: a cloud name with one key. */
export interface CloudEntry {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  source: string;
}

/** Path segments that belong to the worker itself and can never be cloud names. */
export const RESERVED_SEGMENTS = new Set(['v1_1', 'console', 'widget']);
const CLOUD_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** `cloudinary://<api_key>:<api_secret>@<cloud_name>[?...]`, the format the SDKs read. */
export function parseCloudinaryUrl(value: string): CloudEntry {
  const m = /^cloudinary:\/\/([^:@/]+):([^@/]+)@([^/?#]+)(?:[/?#].*)?$/.exec(value.trim());
  if (!m) throw new ConfigError('CLOUDINARY_URL', 'expected cloudinary://<api_key>:<api_secret>@<cloud_name>');
  const [, apiKey, apiSecret, cloudName] = m;
  return checkCloud('CLOUDINARY_URL', {
    cloudName: decodeURIComponent(cloudName),
    apiKey: decodeURIComponent(apiKey),
    apiSecret: decodeURIComponent(apiSecret),
    source: 'CLOUDINARY_URL',
  });
}

/** `CLOUDS`: a JSON array of `{cloud_name, api_key, api_secret}`. */
export function parseCloudsJson(value: string): CloudEntry[] {
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
      source: `CLOUDS entry ${i}`,
    });
  });
}

function checkCloud(variable: string, c: CloudEntry): CloudEntry {
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
  const list: CloudEntry[] = [];
  if (env.CLOUDINARY_URL?.trim()) list.push(parseCloudinaryUrl(env.CLOUDINARY_URL));
  if (env.CLOUDS?.trim()) list.push(...parseCloudsJson(env.CLOUDS));
  if (!list.length) throw new ConfigError('CLOUDINARY_URL', 'no cloud is configured (set CLOUDINARY_URL or CLOUDS)');
  const dir = { byName: groupByCloud(list) };
  memo = { key, dir };
  return dir;
}

/**
 * Entries sharing a cloud name are keys of one cloud. The same key with the
 * same secret twice (CLOUDINARY_URL for the SDK's tools and CLOUDS for the
 * worker, say) is one key; the same key with two secrets is a mistake.
 */
function groupByCloud(entries: readonly CloudEntry[]): Map<string, CloudCredentials> {
  const keys = new Map<string, ApiKeyPair[]>();
  for (const e of entries) {
    const list = keys.get(e.cloudName) ?? [];
    const same = list.find((k) => k.apiKey === e.apiKey);
    if (same && same.apiSecret !== e.apiSecret) {
      throw new ConfigError(
        e.source.startsWith('CLOUDS') ? 'CLOUDS' : 'CLOUDINARY_URL',
        `api_key ${e.apiKey} of cloud "${e.cloudName}" has two different secrets (${same.source} and ${e.source})`,
      );
    }
    if (!same) list.push({ apiKey: e.apiKey, apiSecret: e.apiSecret, source: e.source });
    keys.set(e.cloudName, list);
  }
  return new Map(
    [...keys].map(([cloudName, list]) => [cloudName, { cloudName, apiKey: list[0].apiKey, apiSecret: list[0].apiSecret, keys: list }]),
  );
}

/** The key pair of this cloud with this api_key, if it is one of the cloud's keys. */
export function keyOf(cloud: CloudCredentials, apiKey: string): ApiKeyPair | undefined {
  return cloud.keys.find((k) => k.apiKey === apiKey);
}

/**
 * The cloud as one of its keys sees it: answers to a call signed with that
 * key are signed with that key's secret (the caller may know no other).
 */
export function asSeenBy(cloud: CloudCredentials, key: ApiKeyPair): CloudCredentials {
  return { ...cloud, apiKey: key.apiKey, apiSecret: key.apiSecret };
}

export function findCloud(env: Env, name: string): CloudCredentials | undefined {
  return loadClouds(env).byName.get(name);
}
