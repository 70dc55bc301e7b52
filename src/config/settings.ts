import { badRequest } from '../errors';

/** Per-cloud behaviour, stored in KV and read and changed through `/v1_1/<cloud>/settings` (an extension: Cloudinary keeps these in its console). */
export interface CloudSettings {
  strict_transformations: boolean;
  allowed_fetch_domains: string[];
  invalidate_versioned_urls: boolean;
  backup: boolean;
  default_upload_preset: string | null;
  notification_url: string | null;
  url_signature: 'sha1-8' | 'sha256-32';
  auth_token_key: string | null;
  allowed_upload_origins: string[];
  /** Host names (lower case, no port) that serve this cloud's URLs without the cloud segment (config/hosts.ts). */
  hosts: string[];
  /** "fixed": the folder is part of the public id; "dynamic": `asset_folder` and `display_name` are independent of it. */
  folder_mode: 'fixed' | 'dynamic';
}

export const DEFAULT_SETTINGS: Readonly<CloudSettings> = Object.freeze({
  strict_transformations: false,
  allowed_fetch_domains: [],
  invalidate_versioned_urls: false,
  backup: false,
  default_upload_preset: null,
  notification_url: null,
  url_signature: 'sha1-8',
  auth_token_key: null,
  allowed_upload_origins: [],
  hosts: [],
  folder_mode: 'fixed',
});

type Check = (v: unknown) => string | null;
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'must be a boolean');
const strings: Check = (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? null : 'must be an array of strings');
const nullableString: Check = (v) => (v === null || typeof v === 'string' ? null : 'must be a string or null');
const httpUrlOrNull: Check = (v) => {
  if (v === null) return null;
  if (typeof v !== 'string') return 'must be a string or null';
  return /^https?:\/\/[^\s]+$/i.test(v) ? null : 'must be an http(s) URL or null';
};
const hexOrNull: Check = (v) =>
  v === null || (typeof v === 'string' && /^(?:[0-9a-fA-F]{2})+$/.test(v)) ? null : 'must be a hex string or null';
const hostPatterns: Check = (v) => {
  const e = strings(v);
  if (e) return e;
  return (v as string[]).every((h) => /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(h))
    ? null
    : 'entries must be host names without port, or *.example.com';
};
const hostNames: Check = (v) => {
  const e = strings(v);
  if (e) return e;
  return (v as string[]).every((h) => /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(h) && h.length <= 253)
    ? null
    : 'entries must be host names without port or wildcard';
};
const origins: Check = (v) => {
  const e = strings(v);
  if (e) return e;
  return (v as string[]).every((o) => /^https?:\/\/[^/\s?#]+$/i.test(o)) ? null : 'entries must be origins such as https://example.com';
};

const CHECKS: { [K in keyof CloudSettings]: Check } = {
  strict_transformations: bool,
  allowed_fetch_domains: hostPatterns,
  invalidate_versioned_urls: bool,
  backup: bool,
  default_upload_preset: nullableString,
  notification_url: httpUrlOrNull,
  url_signature: (v) => (v === 'sha1-8' || v === 'sha256-32' ? null : 'must be "sha1-8" or "sha256-32"'),
  auth_token_key: hexOrNull,
  allowed_upload_origins: origins,
  hosts: hostNames,
  folder_mode: (v) => (v === 'fixed' || v === 'dynamic' ? null : 'must be "fixed" or "dynamic"'),
};

/** Validates a partial update; unknown fields and wrong types are a 400. */
export function parseSettingsPatch(body: unknown): Partial<CloudSettings> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Settings must be a JSON object');
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const check = CHECKS[k as keyof CloudSettings];
    if (!check) throw badRequest(`Unknown setting: ${k}`);
    const problem = check(v);
    if (problem) throw badRequest(`Invalid value for ${k}: ${problem}`);
    patch[k] = k === 'allowed_fetch_domains' || k === 'hosts' ? (v as string[]).map((h) => h.toLowerCase()) : v;
  }
  return patch as Partial<CloudSettings>;
}

/**
 * Settings are read on every delivery (strict transformations, signatures), so
 * each isolate keeps them for a short time. A write in this isolate is seen at
 * once; other isolates see it after ISOLATE_TTL_MS, and other locations after
 * KV's own propagation (up to 60 s).
 */
const ISOLATE_TTL_MS = 5_000;
const memo = new Map<string, { at: number; value: CloudSettings }>();

const kvKey = (cloud: string) => `settings:${cloud}`;

export async function getSettings(kv: KVNamespace, cloud: string, opts: { fresh?: boolean } = {}): Promise<CloudSettings> {
  const now = Date.now();
  const hit = memo.get(cloud);
  if (!opts.fresh && hit && now - hit.at < ISOLATE_TTL_MS) return hit.value;
  const stored = await kv.get<Partial<CloudSettings>>(kvKey(cloud), 'json');
  const value = { ...DEFAULT_SETTINGS, ...(stored ?? {}) };
  memo.set(cloud, { at: now, value });
  return value;
}

export async function updateSettings(kv: KVNamespace, cloud: string, patch: Partial<CloudSettings>): Promise<CloudSettings> {
  const stored = (await kv.get<Partial<CloudSettings>>(kvKey(cloud), 'json')) ?? {};
  const next = { ...stored, ...patch };
  await kv.put(kvKey(cloud), JSON.stringify(next));
  const value = { ...DEFAULT_SETTINGS, ...next };
  memo.set(cloud, { at: Date.now(), value });
  return value;
}
