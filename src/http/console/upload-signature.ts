import type { CloudCredentials } from '../../config/clouds';
import { signParams } from '../../auth/api-signature';
import { badRequest } from '../../errors';

/**
 * What `/console/<cloud>/api/sign` signs: an upload with the page's own
 * options (folder and tags), at the server's time. A Cloudinary signature
 * does not name the endpoint it is for, so signing anything the browser sends
 * would let a script that reached the page sign destroy, rename or tag calls
 * (they all sign `public_id`), or a far-future `timestamp` that never expires.
 * Only these fields are signed; any other field, `timestamp` included, is refused.
 */
const SIGNABLE: Readonly<Record<string, number>> = { folder: 255, tags: 1024 };

export type UploadOptions = Record<string, string>;

/** The browser's `params`, checked: known fields only, short strings; empty values are left out. */
export function parseUploadOptions(raw: unknown): UploadOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('params must be an object');
  const options: UploadOptions = {};
  for (const [name, value] of Object.entries(raw)) {
    const max = SIGNABLE[name];
    if (max === undefined) throw badRequest(`The console signs only ${Object.keys(SIGNABLE).join(' and ')}; ${name} is not signed`);
    if (typeof value !== 'string') throw badRequest(`${name} must be a string`);
    if (value.length > max) throw badRequest(`${name} is longer than ${max} characters`);
    if (value) options[name] = value;
  }
  return options;
}

/** The fields the page posts with the file: the options, the server's timestamp, the api_key and the signature. */
export async function signUpload(cloud: CloudCredentials, options: UploadOptions, now = Date.now()): Promise<Record<string, string>> {
  const signed = { ...options, timestamp: String(Math.floor(now / 1000)) };
  return { ...signed, api_key: cloud.apiKey, signature: await signParams(signed, cloud.apiSecret) };
}
