import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { consumeJobs, type JobHandlers } from '../../src/services/jobs/consumer';
import { PermanentJobError } from '../../src/services/jobs/errors';
import { retryDelaySeconds, retryPolicy } from '../../src/services/jobs/retry';
import { configFrom } from '../../src/config/config';
import { parseJob, type NotifyJob } from '../../src/services/jobs/messages';
import { notificationSignature } from '../../src/auth/notification-signature';
import { eagerItem } from '../../src/services/jobs/eager';
import { parseEager } from '../../src/services/upload/eager';
import { ensureSchema } from '../../src/storage/schema';
import { uniq } from '../support/worker-assets';

const notify = (cloud: string, n = 1): NotifyJob => ({ kind: 'notify', cloud, url: 'http://127.0.0.1:9/hook', body: `{"n":${n}}` });

/** Runs the consumer on messages with the given attempt counts and a handler table. */
async function run(messages: { body: unknown; attempts?: number }[], handlers: JobHandlers) {
  const batch = createMessageBatch(
    'cld-jobs',
    messages.map((m, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  // The test harness reports which messages were retried but not the delay asked for: note it on the way.
  const delays: Record<string, number | undefined> = {};
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    m.retry = (o) => {
      delays[m.id] = o?.delaySeconds;
      retry(o);
    };
  }
  const ctx = createExecutionContext();
  await consumeJobs(batch, env, handlers);
  const result = await getQueueResult(batch, ctx);
  return {
    ...result,
    retryMessages: result.retryMessages.map((r: { msgId: string }) => ({ msgId: r.msgId, delaySeconds: delays[r.msgId] })),
  };
}

async function failures(cloud: string) {
  await ensureSchema(env.DB);
  return (
    await env.DB.prepare('SELECT kind, body, attempts, error FROM failed_jobs WHERE cloud = ? ORDER BY id')
      .bind(cloud)
      .all<{ kind: string; body: string; attempts: number; error: string }>()
  ).results;
}

const never = async () => {
  throw new Error('not expected');
};

describe('job dispatcher', () => {
  it('runs each job by its kind, in order, and acknowledges successes', async () => {
    const seen: string[] = [];
    const result = await run([{ body: notify('demo', 1) }, { body: notify('demo', 2) }], {
      notify: async (_env, job) => void seen.push(job.body ?? ''),
      eager: never,
      upload: never,
      archive: never,
      folder_rename: never,
      derived_uses: never,
    });
    expect(seen).toEqual(['{"n":1}', '{"n":2}']);
    expect(result.explicitAcks.sort()).toEqual(['m0', 'm1']);
    expect(result.retryMessages).toEqual([]);
  });

  it('retries a failed job with a growing delay, until the last attempt, which is recorded', async () => {
    const cloud = uniq('c');
    const handlers: JobHandlers = {
      notify: async () => {
        throw new Error('receiver down');
      },
      eager: never,
      upload: never,
      archive: never,
      folder_rename: never,
      derived_uses: never,
    };
    const policy = retryPolicy(configFrom(env).jobRetry);
    const early = await run(
      [
        { body: notify(cloud), attempts: 1 },
        { body: notify(cloud), attempts: 3 },
      ],
      handlers,
    );
    expect(early.retryMessages).toEqual([
      { msgId: 'm0', delaySeconds: retryDelaySeconds(policy, 1) },
      { msgId: 'm1', delaySeconds: retryDelaySeconds(policy, 3) },
    ]);
    expect(await failures(cloud)).toEqual([]);

    const last = await run([{ body: notify(cloud), attempts: policy.maxAttempts }], handlers);
    expect(last.retryMessages).toEqual([]);
    expect(last.explicitAcks).toEqual(['m0']);
    const recorded = await failures(cloud);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ kind: 'notify', attempts: policy.maxAttempts });
    expect(recorded[0].error).toMatch(/Gave up after 9 attempts: receiver down/);
    expect(JSON.parse(recorded[0].body)).toEqual(notify(cloud));
  });

  it('records a job that can never succeed at once, without retrying', async () => {
    const cloud = uniq('c');
    const result = await run([{ body: notify(cloud) }], {
      notify: async () => {
        throw new PermanentJobError('URL not allowed');
      },
      eager: never,
      upload: never,
      archive: never,
      folder_rename: never,
      derived_uses: never,
    });
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toEqual(['m0']);
    expect((await failures(cloud)).map((f) => f.error)).toEqual(['URL not allowed']);
  });

  it('records messages that are not jobs instead of dropping them silently', async () => {
    const marker = uniq('junk');
    const result = await run([{ body: { kind: 'nonsense', marker } }, { body: 'text' }], {
      notify: never,
      eager: never,
      upload: never,
      archive: never,
      folder_rename: never,
      derived_uses: never,
    });
    expect(result.explicitAcks.sort()).toEqual(['m0', 'm1']);
    const row = await env.DB.prepare('SELECT kind, error FROM failed_jobs WHERE cloud IS NULL AND body LIKE ?').bind(`%${marker}%`).first();
    expect(row).toEqual({ kind: 'unknown', error: 'Not a job message' });
  });

  it('a real notification to a closed port fails and is retried (the guarded fetcher reports the connection error)', async () => {
    const result = await run([{ body: notify('demo'), attempts: 1 }], (await import('../../src/services/jobs/handlers')).JOB_HANDLERS);
    expect(result.retryMessages).toEqual([{ msgId: 'm0', delaySeconds: 1 }]);
  });

  it('a notification for an unknown cloud is recorded, not retried', async () => {
    const cloud = uniq('nocloud');
    const result = await run([{ body: notify(cloud) }], (await import('../../src/services/jobs/handlers')).JOB_HANDLERS);
    expect(result.retryMessages).toEqual([]);
    expect((await failures(cloud))[0].error).toMatch(/Unknown cloud/);
  });
});

describe('large notification bodies', () => {
  it('wait in R2: kept while delivery fails, a missing one is a permanent failure', async () => {
    const { deliverNotification } = await import('../../src/services/jobs/notify');
    const key = `j/demo/${uniq('body')}`;
    await env.BUCKET.put(key, JSON.stringify({ big: 'x'.repeat(200_000) }));
    const job: NotifyJob = { kind: 'notify', cloud: 'demo', url: 'http://127.0.0.1:9/hook', bodyKey: key };
    expect(parseJob(job)).toEqual(job);
    await expect(deliverNotification(env, job)).rejects.toThrow(/127\.0\.0\.1/);
    expect(await env.BUCKET.head(key)).not.toBeNull();
    await expect(deliverNotification(env, { ...job, bodyKey: `${key}-gone` })).rejects.toBeInstanceOf(PermanentJobError);
  });
});

describe('retry policy', () => {
  it('doubles from the base up to the ceiling; max_retries + 1 attempts', () => {
    const p = retryPolicy({ baseSeconds: 30, maxSeconds: 600, maxRetries: 8 });
    expect([1, 2, 3, 4, 5, 6, 9].map((a) => retryDelaySeconds(p, a))).toEqual([30, 60, 120, 240, 480, 600, 600]);
    expect(p.maxAttempts).toBe(9);
    const defaults = retryPolicy(
      configFrom({ ...env, JOB_RETRY_BASE_SECONDS: '', JOB_RETRY_MAX_SECONDS: '', JOB_MAX_RETRIES: '' }).jobRetry,
    );
    expect(defaults).toEqual({ baseSeconds: 30, maxSeconds: 3600, maxAttempts: 9 });
    expect(retryPolicy({ baseSeconds: 30, maxSeconds: 999_999, maxRetries: 8 }).maxSeconds).toBe(43_200);
  });
});

describe('job messages', () => {
  it('accepts the shapes it knows and nothing else', () => {
    expect(parseJob(notify('demo'))).toEqual(notify('demo'));
    expect(parseJob({ kind: 'notify', cloud: 'demo', url: 'x' })).toBeNull();
    expect(parseJob({ kind: 'eager', ref: { cloud: 'demo' } })).toBeNull();
    expect(parseJob(null)).toBeNull();
  });

  it('an eager job carries each transformation as given, with its format', () => {
    const items = ['c_fill,w_100,h_50/png', 'c_scale,w_2.0', 'w_10/a_90'];
    expect(parseEager(items).map(eagerItem)).toEqual(items);
  });
});

describe('notification signature (known vectors)', () => {
  it('is SHA-1 of body + timestamp + secret', async () => {
    expect(
      await notificationSignature('{"public_id":"117e5550-7bfa-11e4-80d7-f962166bd3be","version":1417727468}', 1417727468, 'shhh'),
    ).toBe('bac927006d3ce039ef7632e2c03189348d02924a');
    const body = '{"notification_type":"upload","public_id":"sample","version":1315060510}';
    expect(await notificationSignature(body, 1315060510, 'abcd')).toBe('2ce2e8e91efc5ec0c94ae63dfaaf390d7fa4b0b3');
    expect(await notificationSignature(body, 1315060510, 'abcd', 'SHA-256')).toBe(
      'b1a47862411d33e5b247fda955394b40794dedbcf640e270bb0b157ed9b4a5b3',
    );
  });
});
