import { loadClouds, type CloudDirectory } from './clouds';
import { ConfigError } from './config-error';
import type { Env } from './env';
import { LIMIT_VARIABLES, LIMITS_OFF_AT_ZERO, type Limits } from './limits';
import { originalEnv } from './metered-bindings';

/**
 * The deployment's configuration, parsed from the variables and checked once.
 * Code reads this object, never `env.<VARIABLE>` strings: a malformed value is
 * a ConfigError naming the variable (503 on every request), never a silent
 * default.
 */
export interface Config {
  clouds: CloudDirectory;
  limits: Limits;
  jobRetry: JobRetrySettings;
  /** ALLOW_PRIVATE_NETWORK_FETCH: remote fetches may reach loopback and private addresses (tests, local demos). */
  allowPrivateNetworkFetch: boolean;
  /** ENABLE_DEMO_PAGES: serve the widget demo page and the benchmark's static bodies. */
  enableDemoPages: boolean;
  /** SERVER_TIMING: every delivery answer says its cache outcome and the calls it made per binding (src/delivery/server-timing.ts). */
  serverTiming: boolean;
  /** DELIVERY_BASE_URL without trailing slashes, when a custom domain fronts the worker. */
  deliveryBaseUrl: string | undefined;
  /** Cloudflare's purge API, when both CF_ZONE_ID and CF_API_TOKEN are set. */
  cloudflarePurge: CloudflarePurgeSettings | undefined;
}

/** Background job retries: delays double from the base up to the maximum; `maxRetries` is the queue's `max_retries`. */
export interface JobRetrySettings {
  baseSeconds: number;
  maxSeconds: number;
  maxRetries: number;
}

interface CloudflarePurgeSettings {
  zoneId: string;
  apiToken: string;
  /** The API base without trailing slashes (another one only for tests against a stub). */
  apiBaseUrl: string;
}

const CLOUDFLARE_API_BASE = 'https://api.cloudflare.com/client/v4';

/**
 * Keyed by the env object: the runtime hands an isolate the same one for every
 * request, so this parses once per isolate; a test that passes its own variables
 * gets its own parse.
 */
const parsed = new WeakMap<object, Config>();

/** The validated configuration; throws a ConfigError naming the first malformed variable. */
export function configFrom(env: Env): Config {
  const key = originalEnv(env);
  let config = parsed.get(key);
  if (!config) {
    config = parseConfig(env);
    parsed.set(key, config);
  }
  return config;
}

function parseConfig(env: Env): Config {
  return {
    clouds: loadClouds(env),
    limits: parseLimits(env),
    jobRetry: {
      baseSeconds: positiveInteger(env, 'JOB_RETRY_BASE_SECONDS', 30),
      maxSeconds: positiveInteger(env, 'JOB_RETRY_MAX_SECONDS', 3_600),
      maxRetries: integer(env, 'JOB_MAX_RETRIES', 8, 0),
    },
    allowPrivateNetworkFetch: flag(env, 'ALLOW_PRIVATE_NETWORK_FETCH'),
    enableDemoPages: flag(env, 'ENABLE_DEMO_PAGES'),
    serverTiming: flag(env, 'SERVER_TIMING'),
    deliveryBaseUrl: httpUrl(env, 'DELIVERY_BASE_URL'),
    cloudflarePurge: cloudflarePurge(env),
  };
}

function parseLimits(env: Env): Limits {
  const limits = {} as Record<keyof Limits, number>;
  for (const key of Object.keys(LIMIT_VARIABLES) as (keyof Limits)[]) {
    const [variable, fallback, unit = 1] = LIMIT_VARIABLES[key];
    const value = integer(env, variable, fallback, LIMITS_OFF_AT_ZERO.has(key) ? 0 : 1);
    limits[key] = value * unit;
  }
  return limits;
}

type Variable = keyof Env & string;

/** The variable's value, or undefined when it is unset or blank (blank means "use the default"). */
function raw(env: Env, variable: Variable): string | undefined {
  const value = env[variable];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ConfigError(variable, 'expected a text variable, got a binding');
  return value.trim() === '' ? undefined : value.trim();
}

const INTEGER = /^\d+$/;

/** Sizes, counts and durations: whole numbers from `min` up (a unit suffix such as `20MB` is refused, not guessed). */
function integer(env: Env, variable: Variable, fallback: number, min: number): number {
  const value = raw(env, variable);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!INTEGER.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new ConfigError(variable, `expected a whole number of at least ${min}, got "${value}"`);
  }
  return n;
}

const positiveInteger = (env: Env, variable: Variable, fallback: number) => integer(env, variable, fallback, 1);

function flag(env: Env, variable: Variable): boolean {
  const value = raw(env, variable);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigError(variable, `expected "true" or "false", got "${value}"`);
}

function httpUrl(env: Env, variable: Variable): string | undefined {
  const value = raw(env, variable);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, `expected an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(variable, `expected an http(s) URL, got "${value}"`);
  if (url.search || url.hash) throw new ConfigError(variable, 'a base URL takes no query or fragment');
  return value.replace(/\/+$/, '');
}

function cloudflarePurge(env: Env): CloudflarePurgeSettings | undefined {
  const zoneId = raw(env, 'CF_ZONE_ID');
  const apiToken = raw(env, 'CF_API_TOKEN');
  const apiBaseUrl = httpUrl(env, 'CF_API_BASE_URL') ?? CLOUDFLARE_API_BASE;
  if (!zoneId && !apiToken) return undefined;
  if (!zoneId) throw new ConfigError('CF_ZONE_ID', 'CF_API_TOKEN is set, so the zone to purge is needed too');
  if (!apiToken) throw new ConfigError('CF_API_TOKEN', 'CF_ZONE_ID is set, so a token allowed to purge it is needed too');
  return { zoneId, apiToken, apiBaseUrl };
}
