import type { Env } from '../../config/env';
import { configFrom } from '../../config/config';
import { logEvent } from '../../log';
import { CldError } from '../../errors';

/**
 * The cost boundary of unsigned delivery: each new derived image (a decode,
 * an encode and an R2 write) spends one unit of the client's and one of the
 * cloud's per-minute allowance, kept by the Workers rate-limiting bindings
 * (wrangler.toml `[[ratelimits]]`). Served variants, signed and token requests
 * spend nothing. Over either limit the request is refused with 429 before any
 * work is done.
 */
export type DerivationBudget = () => Promise<void>;

/** The binding's call with this deployment's limit; miniflare's binding accepts `limit` and `period` per call (Cloudflare documents only `key`). */
type LimitCall = (options: { key: string; limit: number; period: 60 }) => Promise<RateLimitOutcome>;

const WINDOW_SECONDS = 60;

/**
 * Whether `key` may spend one more unit. The limit comes from the variable;
 * if a runtime refuses per-call options, the binding's configured limit
 * applies. A limiter that fails lets the request through (logged): it guards
 * cost, and a broken limiter must not take delivery down.
 */
async function spend(limiter: RateLimit | undefined, key: string, limit: number): Promise<boolean> {
  if (!limiter || limit <= 0) return true;
  try {
    try {
      return (await (limiter.limit as LimitCall)({ key, limit, period: WINDOW_SECONDS })).success;
    } catch (err) {
      if (!(err instanceof Error) || !/rate limit options|limit must be|unsupported period/i.test(err.message)) throw err;
      return (await limiter.limit({ key })).success;
    }
  } catch (err) {
    logEvent('error', 'rate limiter failed; derivation allowed', { key, error: err });
    return true;
  }
}

const refused = (who: string, limit: number) =>
  new CldError(429, `Rate limit exceeded: more than ${limit} new derived images per minute for this ${who}`, {
    'Retry-After': String(WINDOW_SECONDS),
  });

/** The budget of one unsigned delivery request from `client` (see clientKey in src/delivery/client.ts) to `cloud`. */
export function derivationBudget(env: Env, cloud: string, client: string): DerivationBudget {
  const limits = configFrom(env).limits;
  return async () => {
    if (!(await spend(env.DERIVATIONS_CLIENT_LIMITER, `client:${client}`, limits.derivationsPerMinutePerClient)))
      throw refused('client', limits.derivationsPerMinutePerClient);
    if (!(await spend(env.DERIVATIONS_CLOUD_LIMITER, `cloud:${cloud}`, limits.derivationsPerMinutePerCloud)))
      throw refused('cloud', limits.derivationsPerMinutePerCloud);
  };
}
