import { unauthorized } from '../errors';
import { constantTimeEqual, hexToBytes, hmacSha256Hex } from './crypto';

/**
 * Token-based access, `__cld_token__` (Akamai-style, as Cloudinary's token-based authentication): `~`-separated
 * `name=value` parts ending with `hmac=<hex HMAC-SHA256>`, keyed by the
 * cloud's hex `auth_token_key`.
 */
const TOKEN_NAME = '__cld_token__';

export interface AuthToken {
  ip?: string;
  /** Start time, unix seconds. */
  st?: number;
  /** Expiry, unix seconds. */
  exp: number;
  /** Path patterns (`*` wildcard), unescaped; absent for URL tokens. */
  acl?: string[];
  hmac: string;
  /** The parts before `hmac=`, exactly as received: what the HMAC covers. */
  signedParts: string[];
}

/** Characters the SDK escapes in `acl` and `url` (lib/auth_token.js). */
const UNSAFE = /[ "#%&'/:;<=>?@[\]^`{|}~]/g;

/** The SDK's `escapeToLower`: each unsafe character becomes `%xx`, lower-case hex. */
export function escapeToLower(s: string): string {
  return s.replace(UNSAFE, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

const DIGITS = /^\d{1,12}$/;
const HEX64 = /^[0-9a-fA-F]{64}$/;

/** Parses a token value (without the `__cld_token__=` name); a malformed one is a 401. */
export function parseAuthToken(value: string): AuthToken {
  const parts = value.split('~');
  const last = parts.pop() ?? '';
  if (!last.startsWith('hmac=') || !HEX64.test(last.slice(5))) throw unauthorized('Invalid token: missing or malformed hmac');
  const fields = new Map<string, string>();
  for (const p of parts) {
    const i = p.indexOf('=');
    if (i <= 0) throw unauthorized(`Invalid token: malformed part "${p}"`);
    const k = p.slice(0, i);
    if (fields.has(k)) throw unauthorized(`Invalid token: repeated part "${k}"`);
    fields.set(k, p.slice(i + 1));
  }
  const exp = fields.get('exp');
  if (!exp || !DIGITS.test(exp)) throw unauthorized('Invalid token: missing or malformed exp');
  const st = fields.get('st');
  if (st !== undefined && !DIGITS.test(st)) throw unauthorized('Invalid token: malformed st');
  const acl = fields.get('acl');
  let patterns: string[] | undefined;
  if (acl !== undefined) {
    try {
      patterns = decodeURIComponent(acl).split('!');
    } catch {
      throw unauthorized('Invalid token: malformed acl');
    }
  }
  return {
    ip: fields.get('ip'),
    st: st === undefined ? undefined : Number(st),
    exp: Number(exp),
    acl: patterns,
    hmac: last.slice(5).toLowerCase(),
    signedParts: parts,
  };
}

/** The `__cld_token__` query parameter, from the raw query: its HMAC covers the escaped form. */
export function readAuthToken(rawQuery: string): string | undefined {
  for (const pair of rawQuery.split('&')) {
    if (pair.startsWith(`${TOKEN_NAME}=`)) return pair.slice(TOKEN_NAME.length + 1);
  }
  return undefined;
}

export function tokenHmac(keyHex: string, message: string): Promise<string> {
  return hmacSha256Hex(hexToBytes(keyHex), message);
}

/** `*` matches any run of characters; everything else literally; the whole path must match. */
function aclMatches(pattern: string, path: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .split('*')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
  );
  return re.test(path);
}

export interface TokenContext {
  keyHex: string;
  /** The request path as sent (still percent-encoded), no query. */
  rawPath: string;
  /** The cloud named by the path's first segment: ACLs may be written without it (the private-CDN form). */
  cloud: string;
  clientIp: string | null;
  now?: number;
}

/**
 * Verifies a token for one request: the HMAC over the received parts (plus
 * `url=<escaped path>` when there is no acl), the time window, the client IP
 * if the token names one, and the acl patterns. Any failure is a 401.
 */
export async function verifyAuthToken(t: AuthToken, ctx: TokenContext): Promise<void> {
  const now = Math.floor((ctx.now ?? Date.now()) / 1000);
  const message = t.acl ? t.signedParts : [...t.signedParts, `url=${escapeToLower(ctx.rawPath)}`];
  const expected = await tokenHmac(ctx.keyHex, message.join('~'));
  if (!constantTimeEqual(expected, t.hmac)) throw unauthorized('Invalid token: signature mismatch');
  if (t.st !== undefined && now < t.st) throw unauthorized('Token not yet valid');
  if (now > t.exp) throw unauthorized('Token expired');
  if (t.ip !== undefined && t.ip !== ctx.clientIp) throw unauthorized('Token not valid for this IP address');
  if (t.acl) {
    const withoutCloud = ctx.rawPath.startsWith(`/${ctx.cloud}/`) ? ctx.rawPath.slice(ctx.cloud.length + 1) : ctx.rawPath;
    const paths = [ctx.rawPath, withoutCloud].flatMap((p) => [p, safeDecode(p)]);
    if (!t.acl.some((p) => paths.some((path) => aclMatches(p, path)))) throw unauthorized('Token acl does not cover this URL');
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}
