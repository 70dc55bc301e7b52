import type { Context } from 'hono';
import type { AppEnv } from '../cloud';

/**
 * The nominal hourly allowance reported in Cloudinary's rate-limit headers.
 * The worker enforces no Admin API rate limit, so nothing is ever consumed;
 * the headers exist because the SDKs copy them into every result.
 */
const NOMINAL_HOURLY_LIMIT = 5000;

function rateLimitHeaders(now = Date.now()): Record<string, string> {
  const nextHour = new Date(Math.ceil((now + 1) / 3_600_000) * 3_600_000);
  return {
    'X-FeatureRateLimit-Limit': String(NOMINAL_HOURLY_LIMIT),
    'X-FeatureRateLimit-Remaining': String(NOMINAL_HOURLY_LIMIT),
    'X-FeatureRateLimit-Reset': nextHour.toUTCString(),
  };
}

/**
 * An Admin API answer: JSON plus the rate-limit headers the SDKs read. With
 * `dbMs`, a `Server-Timing: d1;dur=<ms>` header says how long D1 spent on the
 * answer's queries (the listing benchmark reads it).
 */
export function adminJson(c: Context<AppEnv>, body: unknown, dbMs?: number): Response {
  const headers = rateLimitHeaders();
  if (dbMs !== undefined) headers['Server-Timing'] = `d1;dur=${dbMs.toFixed(3)}`;
  return c.json(body as object, 200, headers);
}
