import { configFrom } from '../../config/config';
import type { Env } from '../../config/env';
import { recordFailedJob } from '../../storage/jobs';
import { ensureSchema } from '../../storage/schema';
import { PermanentJobError } from './errors';
import { cloudOf, parseJob, type Job, type JobKind } from './messages';
import { retryDelaySeconds, retryPolicy } from './retry';
import { logEvent } from '../../log';

type JobHandler<K extends JobKind> = (env: Env, job: Extract<Job, { kind: K }>) => Promise<void>;
export type JobHandlers = { [K in JobKind]: JobHandler<K> };

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The queue consumer: each message is parsed into a typed job and run by the
 * handler for its kind. A success is acknowledged; a failure is retried with
 * growing delays; a job that cannot succeed, or whose last attempt failed, is
 * recorded in `failed_jobs` and acknowledged, so it is never lost silently.
 * Messages run one after the other, so a batch keeps the order it was sent in.
 */
export async function consumeJobs(batch: MessageBatch<unknown>, env: Env, handlers: JobHandlers): Promise<void> {
  const policy = retryPolicy(configFrom(env).jobRetry);
  // Once per batch: the handlers' storage calls rely on it.
  await ensureSchema(env.DB);
  for (const message of batch.messages) {
    const job = parseJob(message.body);
    if (!job) {
      await recordFailedJob(env.DB, {
        cloud: null,
        kind: 'unknown',
        body: message.body,
        attempts: message.attempts,
        error: 'Not a job message',
      });
      message.ack();
      continue;
    }
    try {
      await (handlers[job.kind] as JobHandler<typeof job.kind>)(env, job as never);
      message.ack();
    } catch (err) {
      const permanent = err instanceof PermanentJobError;
      const retried = !permanent && message.attempts < policy.maxAttempts;
      logEvent(retried ? 'warn' : 'error', retried ? 'job failed, retrying' : 'job failed for good', {
        job_id: message.id,
        kind: job.kind,
        cloud: cloudOf(job),
        attempt: message.attempts,
        error: err,
      });
      if (retried) {
        message.retry({ delaySeconds: retryDelaySeconds(policy, message.attempts) });
        continue;
      }
      await recordFailedJob(env.DB, {
        cloud: cloudOf(job),
        kind: job.kind,
        body: job,
        attempts: message.attempts,
        error: permanent ? describe(err) : `Gave up after ${message.attempts} attempts: ${describe(err)}`,
      });
      message.ack();
    }
  }
}
