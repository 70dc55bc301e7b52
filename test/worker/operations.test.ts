import { createMessageBatch, env, SELF } from 'cloudflare:test';
import { consumeJobs, type JobHandlers } from '../../src/services/jobs/consumer';
import { retryPolicy } from '../../src/services/jobs/retry';
import { configFrom } from '../../src/config/config';
import worker from '../../src/index';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { basicAuth, DEMO } from '../support/clouds';
import { logEvent, withRequestId } from '../../src/log';
import { Hono } from 'hono';
import { requestContext, SLOW_REQUEST_MS } from '../../src/http/request-id';
import type { AppEnv } from '../../src/http/cloud';

const ctx = () => ({ waitUntil() {}, passThroughOnException() {}, props: {} }) as unknown as ExecutionContext;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The JSON lines written to one console method while `fn` runs. */
async function linesOf(method: 'warn' | 'error' | 'log', fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const spy = vi.spyOn(console, method).mockImplementation(() => undefined);
  await fn();
  const lines = spy.mock.calls.map((args) => String(args[0]));
  spy.mockRestore();
  return lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('request ids and structured logs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('puts an X-Request-Id on delivery, API and error answers, keeping a plain one the caller sent', async () => {
    const answers = [
      await SELF.fetch('http://w/demo/image/upload/nothing-here.jpg'),
      await SELF.fetch('http://w/v1_1/demo/ping', { headers: { Authorization: basicAuth(DEMO) } }),
      await SELF.fetch('http://w/v1_1/demo/ping'),
      await SELF.fetch('http://w/'),
    ];
    for (const res of answers) expect(res.headers.get('X-Request-Id')).toMatch(UUID);
    const kept = await SELF.fetch('http://w/demo/image/upload/nothing-here.jpg', { headers: { 'X-Request-Id': 'client-42.a:b' } });
    expect(kept.headers.get('X-Request-Id')).toBe('client-42.a:b');
    const ray = await SELF.fetch('http://w/demo/image/upload/nothing-here.jpg', { headers: { 'cf-ray': '8f1d2c3b4a596877-LHR' } });
    expect(ray.headers.get('X-Request-Id')).toBe('8f1d2c3b4a596877-LHR');
    const hostile = await SELF.fetch('http://w/demo/image/upload/nothing-here.jpg', { headers: { 'X-Request-Id': '<script>' } });
    expect(hostile.headers.get('X-Request-Id')).toMatch(UUID);
  });

  it('logs a server failure as an error', async () => {
    const bad = { ...env, CLOUDS: '[{' };
    const lines = await linesOf('error', async () => worker.fetch(new Request('http://w/v1_1/demo/ping'), bad, ctx()));
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', msg: 'request failed', status: 503 }));
  });

  it('logs every refused answer as one JSON line carrying its request id, status and reason, never the query', async () => {
    const delivery = await linesOf('log', () =>
      SELF.fetch('http://w/demo/image/upload/missing-for-log.jpg?_a=secret', { headers: { 'X-Request-Id': 'log-test-1' } }),
    );
    expect(delivery).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'request refused',
        request_id: 'log-test-1',
        method: 'GET',
        path: '/demo/image/upload/missing-for-log.jpg',
        status: 404,
        reason: expect.stringContaining('Resource not found'),
      }),
    );
    expect(JSON.stringify(delivery)).not.toContain('secret');
    const api = await linesOf('log', () => SELF.fetch('http://w/v1_1/demo/ping', { headers: { 'X-Request-Id': 'log-test-2' } }));
    expect(api).toContainEqual(expect.objectContaining({ request_id: 'log-test-2', status: 401, reason: 'Must supply api_key' }));
    const fine = await linesOf('log', () => SELF.fetch('http://w/v1_1/demo/ping', { headers: { Authorization: basicAuth(DEMO) } }));
    expect(fine).toEqual([]);
  });

  it('logs a slow success as a warning', { timeout: 20_000 }, async () => {
    const slow = new Hono<AppEnv>().use(requestContext).get('/slow', async (c) => {
      await new Promise((resolve) => setTimeout(resolve, SLOW_REQUEST_MS + 100));
      return c.text('done');
    });
    const lines = await linesOf('warn', async () => {
      const res = await slow.request('/slow', { headers: { 'X-Request-Id': 'slow-1' } });
      expect(res.headers.get('X-Request-Id')).toBe('slow-1');
      expect(await res.text()).toBe('done');
    });
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'slow request', request_id: 'slow-1', status: 200, path: '/slow' }),
    ]);
    expect(lines[0].ms).toBeGreaterThanOrEqual(SLOW_REQUEST_MS);
  });

  it('logs a failed background job, retried or given up, with its kind and attempt', async () => {
    const job = { kind: 'notify', cloud: 'ops-log', url: 'http://127.0.0.1:9/hook', body: '{}' };
    const handlers: JobHandlers = {
      notify: async () => {
        throw new Error('receiver down');
      },
      eager: async () => undefined,
      upload: async () => undefined,
      archive: async () => undefined,
      folder_rename: async () => undefined,
      derived_uses: async () => undefined,
    };
    const last = retryPolicy(configFrom(env).jobRetry).maxAttempts;
    const batch = createMessageBatch('cld-jobs', [
      { id: 'early', timestamp: new Date(), attempts: 1, body: job },
      { id: 'final', timestamp: new Date(), attempts: last, body: job },
    ]);
    const warned = await linesOf('warn', async () => {
      const errors = await linesOf('error', () => consumeJobs(batch, env, handlers));
      expect(errors).toEqual([
        expect.objectContaining({ msg: 'job failed for good', job_id: 'final', kind: 'notify', cloud: 'ops-log', attempt: last }),
      ]);
    });
    expect(warned).toEqual([
      expect.objectContaining({
        msg: 'job failed, retrying',
        job_id: 'early',
        attempt: 1,
        error: expect.objectContaining({ message: 'receiver down' }),
      }),
    ]);
  });

  it('writes errors with their stack, inside and outside a request', async () => {
    const lines = await linesOf('error', async () => {
      withRequestId('inside', () => logEvent('error', 'boom', { error: new Error('kaput') }));
      logEvent('error', 'outside');
    });
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'boom', request_id: 'inside', error: { message: 'kaput' } });
    expect((lines[0].error as { stack: string }).stack).toContain('kaput');
    expect(lines[1]).toEqual({ level: 'error', msg: 'outside' });
  });
});
