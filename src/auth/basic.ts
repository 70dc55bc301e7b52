import { unauthorized } from '../errors';
import { keyOf, type CloudCredentials } from '../config/clouds';
import { constantTimeEqual } from './crypto';

/** Admin API authentication: HTTP Basic `api_key:api_secret` of one of this cloud's keys only. */
export function checkBasicAuth(header: string | null | undefined, cloud: CloudCredentials): void {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) throw unauthorized('Must supply api_key');
  let decoded: string;
  try {
    decoded = atob(m[1]);
  } catch {
    throw unauthorized('Invalid credentials');
  }
  const i = decoded.indexOf(':');
  const key = i < 0 ? decoded : decoded.slice(0, i);
  const secret = i < 0 ? '' : decoded.slice(i + 1);
  const pair = keyOf(cloud, key);
  if (!pair) throw unauthorized(`Unknown API key ${key}`);
  if (!constantTimeEqual(secret, pair.apiSecret)) throw unauthorized('Invalid api_secret');
}
