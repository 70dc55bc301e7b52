import type { Env } from '../../config/env';
import { recordDerivedUses, type DerivedUse } from '../../storage/derived-usage';
import type { DerivedUsesJob } from './messages';

/** Hands an isolate's batch of last uses to the queue: one message instead of a D1 write per hit. */
export async function enqueueDerivedUses(env: Pick<Env, 'JOBS'>, uses: readonly DerivedUse[]): Promise<void> {
  const job: DerivedUsesJob = { kind: 'derived_uses', uses: uses.map((u) => [u.key, u.at]) };
  await env.JOBS.send(job, { contentType: 'json' });
}

/** The consumer's side: the batch in one D1 statement. */
export async function recordDerivedUsesJob(env: Env, job: DerivedUsesJob): Promise<void> {
  await recordDerivedUses(
    env.DB,
    job.uses.map(([key, at]) => ({ key, at })),
  );
}
