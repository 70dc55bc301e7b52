import { unauthorized } from '../errors';
import { keyOf, type ApiKeyPair, type CloudCredentials } from '../config/clouds';
import { constantTimeEqual, hexDigest } from './crypto';
import type { Params } from '../protocol/params';

/** Fields never signed (spec §4.1). */
const UNSIGNED_FIELDS = new Set(['file', 'api_key', 'signature', 'cloud_name', 'resource_type']);

/** Signatures are valid for one hour from their timestamp (spec §4.1). */
export const SIGNATURE_MAX_AGE_SECONDS = 3600;

/**
 * The string Cloudinary signs: non-empty params sorted by key (byte order),
 * arrays joined with ",", `&` in values escaped as `%26` (signature version 2)
 * unless `escapeAmpersands` is false (version 1).
 */
export function stringToSign(
  params: Record<string, string | string[]>,
  escapeAmpersands = true,
  skip: ReadonlySet<string> = UNSIGNED_FIELDS,
): string {
  return Object.keys(params)
    .filter((k) => !skip.has(k))
    .map((k) => [k, Array.isArray(params[k]) ? (params[k] as string[]).join(',') : (params[k] as string)] as const)
    .filter(([, v]) => v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${escapeAmpersands ? v.replace(/&/g, '%26') : v}`)
    .join('&');
}

export async function signParams(
  params: Record<string, string | string[]>,
  secret: string,
  alg: 'SHA-1' | 'SHA-256' = 'SHA-1',
): Promise<string> {
  return hexDigest(alg, stringToSign(params) + secret);
}

export interface VerifyOptions {
  now?: number;
  /** Also accept a signature computed without `type` (the seed's text leaves it out, the SDKs include it). */
  lenientType?: boolean;
  /** Unix seconds: a signed URL with `expires_at` is valid until then rather than for an hour from its timestamp. */
  expiresAt?: number;
}

/**
 * Checks a signed API request (Upload API, download URLs): the api_key must be
 * one of the cloud's keys (the signature is checked with that key's secret), the timestamp fresh, and the signature SHA-1 (40 hex) or
 * SHA-256 (64 hex) over the params, compared in constant time. Returns the key that signed.
 */
export async function verifyApiSignature(params: Params, cloud: CloudCredentials, opts: VerifyOptions = {}): Promise<ApiKeyPair> {
  const signature = params.string('signature');
  const apiKey = params.string('api_key');
  if (!apiKey) throw unauthorized('Must supply api_key');
  const key = keyOf(cloud, apiKey);
  if (!key) throw unauthorized(`Unknown API key ${apiKey}`);
  if (!signature) throw unauthorized('Missing required parameter - signature');
  const timestamp = params.string('timestamp');
  if (!timestamp) throw unauthorized('Missing required parameter - timestamp');
  const ts = Number(timestamp);
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (!Number.isFinite(ts) || (opts.expiresAt === undefined && now - ts > SIGNATURE_MAX_AGE_SECONDS)) {
    throw unauthorized(`Stale request - reported time is ${timestamp} which is more than 1 hour ago`);
  }
  if (opts.expiresAt !== undefined && now > opts.expiresAt)
    throw unauthorized(`Expired request - expires_at ${opts.expiresAt} is in the past`);
  const alg = /^[0-9a-f]{64}$/i.test(signature) ? 'SHA-256' : /^[0-9a-f]{40}$/i.test(signature) ? 'SHA-1' : null;
  const fields = params.signable();
  const candidates = [stringToSign(fields, true), stringToSign(fields, false)];
  if (opts.lenientType !== false && 'type' in fields) {
    const { type: _omit, ...withoutType } = fields;
    candidates.push(stringToSign(withoutType, true));
  }
  let ok = false;
  if (alg) {
    for (const c of candidates) {
      // Every candidate is checked so the time does not depend on which one matched.
      if (constantTimeEqual(await hexDigest(alg, c + key.apiSecret), signature.toLowerCase())) ok = true;
    }
  }
  if (!ok) throw unauthorized(`Invalid Signature ${signature}. String to sign - '${candidates[0]}'.`);
  return key;
}

/** The `signature` field of an upload answer: always version 1 over public_id and version (spec §4.4). */
export function responseSignature(publicId: string, version: number, secret: string): Promise<string> {
  return hexDigest('SHA-1', `public_id=${publicId}&version=${version}${secret}`);
}
