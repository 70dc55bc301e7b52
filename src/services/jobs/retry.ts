import type { JobRetrySettings } from '../../config/config';

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

export function retryPolicy(settings: JobRetrySettings): RetryPolicy {
  return {
    baseSeconds: settings.baseSeconds,
    maxSeconds: Math.min(settings.maxSeconds, QUEUE_MAX_DELAY_SECONDS),
    maxAttempts: settings.maxRetries + 1,
  };
}

/** The delay before attempt `attempts + 1`, after `attempts` failed ones (1-based, as `Message.attempts`). */
export function retryDelaySeconds(policy: RetryPolicy, attempts: number): number {
  const exp = Math.max(0, attempts - 1);
  return Math.round(Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(exp, 30)));
}
