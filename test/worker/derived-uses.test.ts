import { createExecutionContext, createMessageBatch, env, getQueueResult, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app } from '../../src/http/app';
import { consumeJobs } from '../../src/services/jobs/consumer';
import { JOB_HANDLERS } from '../../src/services/jobs/handlers';
import { parseJob } from '../../src/services/jobs/messages';
import { noteDerivedUse, takeDerivedUses } from '../../src/services/derived/recent-use';
import { fixture, storeImage, uid } from './support/fixtures';

/**
 * The per-asset cap's last use of a derived image leaves the R2-derived hit
 * (no D1 write there): the isolate notes it and a batch reaches D1 through
 * the queue (or before this isolate evicts, trust-cost.test.ts).
 */
describe('last uses of derived images', () => {
  it('are held by the isolate until 200 of them, or the oldest is 5 minutes old, make a batch', () => {
    takeDerivedUses();
    const keys = Array.from({ length: 200 }, () => uid('k'));
    const t = 1_700_000_000_000;
    const due = keys.map((k, i) => noteDerivedUse(k, t + i));
    expect(due.slice(0, 199).every((d) => d === undefined)).toBe(true);
    expect(due[199]!.map((u) => u.key)).toEqual(keys);
    expect(takeDerivedUses()).toEqual([]);

    // A use noted again keeps its latest time; the age of the oldest makes the batch due.
    expect(noteDerivedUse('a', t)).toBeUndefined();
    expect(noteDerivedUse('a', t + 10)).toBeUndefined();
    expect(noteDerivedUse('b', t + 299_999)).toBeUndefined();
    expect(noteDerivedUse('c', t + 300_000)).toEqual([
      { key: 'a', at: t + 10 },
      { key: 'b', at: t + 299_999 },
      { key: 'c', at: t + 300_000 },
    ]);
  });

  it('are written by the queue consumer in one statement, never moving a last use back', { timeout: 30_000 }, async () => {
    const id = uid('use');
    const resource = await storeImage(id, fixture('alpha.png'));
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`http://w/demo/image/upload/w_2/${id}.png`), env, ctx);
    await res.arrayBuffer();
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const row = () =>
      env.DB.prepare('SELECT r2_key, last_used_at FROM derived WHERE resource_id = ?')
        .bind(resource.id)
        .first<{ r2_key: string; last_used_at: string | null }>();
    const { r2_key: key } = (await row())!;

    const consume = async (uses: [string, number][]) => {
      const batch = createMessageBatch('jobs', [
        { id: uid('m'), timestamp: new Date(), attempts: 1, body: { kind: 'derived_uses', uses } },
      ]);
      const qctx = createExecutionContext();
      await consumeJobs(batch, env, JOB_HANDLERS);
      expect((await getQueueResult(batch, qctx)).explicitAcks).toHaveLength(1);
    };
    const t = Date.parse('2030-01-02T03:04:05.000Z');
    await consume([
      [key, t - 1000],
      [key, t],
      [uid('gone'), t],
    ]);
    expect((await row())!.last_used_at).toBe('2030-01-02T03:04:05.000Z');
    await consume([[key, t - 60_000]]);
    expect((await row())!.last_used_at).toBe('2030-01-02T03:04:05.000Z');
    await consume([[key, t + 60_000]]);
    expect((await row())!.last_used_at).toBe('2030-01-02T03:05:05.000Z');
  });

  it('is a job only with [key, time] pairs', () => {
    expect(parseJob({ kind: 'derived_uses', uses: [['k', 1]] })).not.toBeNull();
    for (const uses of [undefined, 'k', [['k']], [['k', '1']], [[1, 1]], [['k', Number.NaN]]])
      expect(parseJob({ kind: 'derived_uses', uses }), JSON.stringify(uses)).toBeNull();
  });
});
