import { unauthorized } from '../errors';
import type { CloudCredentials } from '../config/clouds';
import { constantTimeEqual } from './crypto';

/** Admin API authentication: HTTP Basic `api_key:api_secret` of this cloud only. */
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
  const keyOk = constantTimeEqual(key, cloud.apiKey);
  const secretOk = constantTimeEqual(secret, cloud.apiSecret);
  if (!keyOk) throw unauthorized(`Unknown API key ${key}`);
  if (!secretOk) throw unauthorized('Invalid api_secret');
}
