import { unauthorized } from '../errors';
import { keyOf, type ApiKeyPair, type CloudCredentials } from '../config/clouds';
import { constantTimeEqual, hexDigest } from './crypto';
import { Params } from '../protocol/params';

/** Fields never signed: the file itself, the resource type, the key, the signature and its algorithm. */
const UNSIGNED_FIELDS = new Set(['file', 'api_key', 'signature', 'cloud_name', 'resource_type']);

/**
 * Signatures are valid for one hour either side of their timestamp
 * (https://cloudinary.com/documentation/authentication_signatures): a
 * timestamp in the future does not make one valid for longer.
 */
const SIGNATURE_MAX_AGE_SECONDS = 3600;

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
  /** Unix seconds: a signed URL with `expires_at` is valid until then rather than for an hour from its timestamp. */
  expiresAt?: number;
}

/** Cloudinary's time format in its "Stale request" message: `2016-12-15 04:02:46 +0000`. */
const reportedTime = (seconds: number) =>
  new Date(seconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' +0000');

/** The timestamp as unix seconds, refused when it is not one or lies outside the hour either side of now. */
function checkTimestamp(timestamp: string, now: number, expiresAt: number | undefined): void {
  if (!/^\d{1,12}$/.test(timestamp)) throw unauthorized(`Invalid timestamp ${timestamp}`);
  const ts = Number(timestamp);
  if (ts - now > SIGNATURE_MAX_AGE_SECONDS)
    throw unauthorized(`Stale request - reported time is ${reportedTime(ts)} which is more than 1 hour in the future`);
  if (expiresAt === undefined && now - ts > SIGNATURE_MAX_AGE_SECONDS)
    throw unauthorized(`Stale request - reported time is ${reportedTime(ts)} which is more than 1 hour ago`);
}

/**
 * The strings a signature may have been made over: signature version 2 (`&`
 * in values escaped) and the legacy version 1, and, only when `type` is
 * `upload`, the same without `type` (the seed's text leaves the default
 * type out, the SDKs put it in). A signature without `type` never
 * authorizes another type: it would open `private` and `authenticated`
 * assets of the same public id.
 */
function candidates(fields: Record<string, string>): string[] {
  const out = [stringToSign(fields, true), stringToSign(fields, false)];
  if (fields.type === 'upload') {
    const { type: _omit, ...withoutType } = fields;
    out.push(stringToSign(withoutType, true));
  }
  return out;
}

/**
 * Checks a signed API request (Upload API, download URLs): the api_key must be
 * one of the cloud's keys (checked with that key's secret), the timestamp within the hour either side of now, and the
 * signature SHA-1 (40 hex) or SHA-256 (64 hex) over the params, compared in
 * constant time. Answers the key that signed and the parameters the signature covers (plus the
 * transport fields `file`, `api_key`, `signature`): an empty value is not
 * signed, so it is dropped rather than allowed to clear anything, and
 * `cloud_name` and `resource_type` come from the path, never the body.
 */
export async function verifyApiSignature(
  params: Params,
  cloud: CloudCredentials,
  opts: VerifyOptions = {},
): Promise<{ params: Params; signer: ApiKeyPair }> {
  const signature = params.string('signature');
  const apiKey = params.string('api_key');
  if (!apiKey) throw unauthorized('Must supply api_key');
  const key = keyOf(cloud, apiKey);
  if (!key) throw unauthorized(`Unknown API key ${apiKey}`);
  if (!signature) throw unauthorized('Missing required parameter - signature');
  const timestamp = params.string('timestamp');
  if (!timestamp) throw unauthorized('Missing required parameter - timestamp');
  checkTimestamp(timestamp, Math.floor((opts.now ?? Date.now()) / 1000), opts.expiresAt);
  if (opts.expiresAt !== undefined && Math.floor((opts.now ?? Date.now()) / 1000) > opts.expiresAt)
    throw unauthorized(`Expired request - expires_at ${opts.expiresAt} is in the past`);
  const alg = /^[0-9a-f]{64}$/i.test(signature) ? 'SHA-256' : /^[0-9a-f]{40}$/i.test(signature) ? 'SHA-1' : null;
  const strings = candidates(params.signable());
  let ok = false;
  if (alg) {
    for (const c of strings) {
      // Every candidate is checked so the time does not depend on which one matched.
      if (constantTimeEqual(await hexDigest(alg, c + key.apiSecret), signature.toLowerCase())) ok = true;
    }
  }
  if (!ok) throw unauthorized(`Invalid Signature ${signature}. String to sign - '${strings[0]}'.`);
  return { params: coveredParams(params), signer: key };
}

/** Fields that come from the path: a body's copy is neither signed nor used. */
const PATH_FIELDS = new Set(['cloud_name', 'resource_type']);

function coveredParams(params: Params): Params {
  const kept = Object.entries(params.fields).filter(([k, v]) => !PATH_FIELDS.has(k) && (Array.isArray(v) ? v.join(',') : v) !== '');
  return new Params(Object.fromEntries(kept));
}

/** The `signature` field of an upload answer: always version 1 over public_id and version, the form the SDKs verify. */
export function responseSignature(publicId: string, version: number, secret: string): Promise<string> {
  return hexDigest('SHA-1', `public_id=${publicId}&version=${version}${secret}`);
}
