import { CldError, badRequest } from '../../errors';
import { hostProblem } from './address';
import type { CloudSettings } from '../../config/settings';
import { configFrom } from '../../config/config';
import type { Env } from '../../config/env';

/** Where a remote fetch may go: checked on the first URL and on every redirect hop. */
export interface RemotePolicy {
  /** ALLOW_PRIVATE_NETWORK_FETCH=true: loopback and private addresses are allowed (tests, local demos). */
  allowPrivate: boolean;
  /** A cloud's `allowed_fetch_domains`: when non-empty, the only hosts allowed (`example.com` or `*.example.com`). */
  allowedDomains?: readonly string[];
}

/** The deployment half of the policy; the cloud's `allowed_fetch_domains` is added where it applies. */
export const allowPrivateFrom = (env: Env) => configFrom(env).allowPrivateNetworkFetch;

/** Fetch delivery and auto-upload: the deployment's rule plus the cloud's `allowed_fetch_domains`. */
export const fetchPolicy = (env: Env, settings: Pick<CloudSettings, 'allowed_fetch_domains'>): RemotePolicy => ({
  allowPrivate: allowPrivateFrom(env),
  allowedDomains: settings.allowed_fetch_domains,
});

/**
 * `example.com` matches that host only; `*.example.com` matches its
 * subdomains at any depth but not `example.com` itself. Ports never count.
 */
export function domainAllowed(hostname: string, allowed: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.+$/, '');
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    return e.startsWith('*.') ? host.endsWith(e.slice(1)) && host.length > e.length - 1 : host === e;
  });
}

/** Parses a remote URL and checks it against the policy; the only way a URL reaches `fetch`. */
export function checkRemoteUrl(input: string | URL, policy: RemotePolicy): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw badRequest(`Invalid remote URL: ${String(input).slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badRequest(`Invalid remote URL: only http and https are supported, not ${url.protocol.replace(/:$/, '')}`);
  }
  if (url.username || url.password) throw badRequest('Invalid remote URL: credentials in URLs are not supported');
  const allowed = policy.allowedDomains ?? [];
  if (allowed.length && !domainAllowed(url.hostname, allowed)) {
    throw new CldError(403, `Remote host ${url.hostname} is not in allowed_fetch_domains`);
  }
  if (!policy.allowPrivate) {
    const problem = hostProblem(url.hostname);
    if (problem) throw new CldError(403, `Remote URL not allowed: ${problem} is not a public internet host`);
  }
  return url;
}
