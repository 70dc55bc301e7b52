import type { Env } from '../../config/env';

/**
 * When a failed job is tried again. The delay doubles with every attempt
 * (base, 2·base, 4·base, ...) up to a ceiling, so a receiver that is down for
 * a while is not hammered, and one back within minutes gets its messages
 * soon. `maxAttempts` is the queue consumer's `max_retries` in wrangler.toml
 * plus the first try: past it the queue would drop the message, so the
 * consumer records the failure itself on the last attempt.
 */
export interface RetryPolicy {
  baseSeconds: number;
  maxSeconds: number;
  maxAttempts: number;
}

/** Queues refuse delays above 12 hours. */
const QUEUE_MAX_DELAY_SECONDS = 43_200;

const positive = (raw: string | undefined, fallback: number) => {
  const n = Number(raw);
  return raw !== undefined && raw !== '' && Number.isFinite(n) && n >= 0 ? n : fallback;
};

export function retryPolicy(env: Pick<Env, 'JOB_RETRY_BASE_SECONDS' | 'JOB_RETRY_MAX_SECONDS' | 'JOB_MAX_RETRIES'>): RetryPolicy {
  return {
    baseSeconds: positive(env.JOB_RETRY_BASE_SECONDS, 30),
    maxSeconds: Math.min(positive(env.JOB_RETRY_MAX_SECONDS, 3_600), QUEUE_MAX_DELAY_SECONDS),
    maxAttempts: Math.floor(positive(env.JOB_MAX_RETRIES, 8)) + 1,
  };
}

/** The delay before attempt `attempts + 1`, after `attempts` failed ones (1-based, as `Message.attempts`). */
export function retryDelaySeconds(policy: RetryPolicy, attempts: number): number {
  const exp = Math.max(0, attempts - 1);
  return Math.round(Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(exp, 30)));
}
