import type { CloudCredentials } from '../../config/clouds';
import { constantTimeEqual, hmacSha256Hex, toHex } from '../../auth/crypto';
import { forgetSession, recordSession, sessionRecorded } from '../../storage/console-sessions';

/**
 * Console sessions. The browser holds only a cookie with a random session id,
 * its expiry and a MAC made with the cloud's api_secret (never the secret
 * itself); changing the secret ends every session. The worker also keeps a
 * record of each live session (src/storage/console-sessions.ts): sign-out
 * deletes it, so the cookie, or any copy of it, stops working at once. The
 * CSRF token is a second MAC over the same session id, written into the page
 * and sent back in a header on every state-changing call.
 */
const SESSION_SECONDS = 8 * 3600;

export interface Session {
  id: string;
  expires: number;
}

const key = (cloud: CloudCredentials) => new TextEncoder().encode(cloud.apiSecret);
const mac = (cloud: CloudCredentials, purpose: string, s: Session) =>
  hmacSha256Hex(key(cloud), `${purpose}|${cloud.cloudName}|${s.id}|${s.expires}`);

const cookieName = (cloud: CloudCredentials) => `cld_console_${cloud.cloudName}`;

/** Starts a session: records it server-side and answers the cookie that names it. */
export async function newSessionCookie(kv: KVNamespace, cloud: CloudCredentials, now = Date.now()): Promise<string> {
  const s: Session = { id: toHex(crypto.getRandomValues(new Uint8Array(16))), expires: Math.floor(now / 1000) + SESSION_SECONDS };
  await recordSession(kv, cloud.cloudName, s.id, s.expires);
  const value = `${s.id}.${s.expires}.${await mac(cloud, 'session', s)}`;
  return `${cookieName(cloud)}=${value}; Path=/console/${cloud.cloudName}; HttpOnly; Secure; SameSite=Strict; Max-Age=${SESSION_SECONDS}`;
}

export const clearSessionCookie = (cloud: CloudCredentials) =>
  `${cookieName(cloud)}=; Path=/console/${cloud.cloudName}; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;

/** Ends a session for every holder of its cookie. */
export const revokeSession = (kv: KVNamespace, cloud: CloudCredentials, s: Session) => forgetSession(kv, cloud.cloudName, s.id);

export async function readSession(
  kv: KVNamespace,
  cloud: CloudCredentials,
  cookieHeader: string | null | undefined,
  now = Date.now(),
): Promise<Session | null> {
  const raw = (cookieHeader ?? '')
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${cookieName(cloud)}=`))
    ?.slice(cookieName(cloud).length + 1);
  const m = /^([0-9a-f]{32})\.(\d+)\.([0-9a-f]{64})$/.exec(raw ?? '');
  if (!m) return null;
  const s: Session = { id: m[1], expires: Number(m[2]) };
  if (s.expires < Math.floor(now / 1000)) return null;
  if (!constantTimeEqual(await mac(cloud, 'session', s), m[3])) return null;
  return (await sessionRecorded(kv, cloud.cloudName, s.id)) ? s : null;
}

export const csrfToken = (cloud: CloudCredentials, s: Session) => mac(cloud, 'csrf', s);
