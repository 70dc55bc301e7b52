import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';
import { DEMO, TEST_VARS } from '../support/clouds';
import { uid } from '../support/sdk';
import { cfTags, get, purge, untilHit, upload } from '../support/cache';
import { startCloudflareStub } from '../support/cloudflare-stub';

const ZONE = 'zone0123456789abcdef';
const TOKEN = 'test-api-token';

/**
 * A second worker whose purges go to Cloudflare's API, here a stub on 127.0.0.1.
 * With the API configured the worker keeps no cache index: its own data
 * centre's copies go with Cloudflare's purge by tag, which the stub cannot do
 * to miniflare's cache (test/worker/hot-path.test.ts stands in for that).
 */
describe('purging through Cloudflare API', () => {
  let stub: Awaited<ReturnType<typeof startCloudflareStub>>;
  let worker: Awaited<ReturnType<typeof unstable_startWorker>>;
  let base = '';
  let persist = '';

  beforeAll(async () => {
    stub = await startCloudflareStub();
    persist = mkdtempSync(join(tmpdir(), 'cld-cf-'));
    const vars = { ...TEST_VARS, CF_ZONE_ID: ZONE, CF_API_TOKEN: TOKEN, CF_API_BASE_URL: stub.baseUrl };
    worker = await unstable_startWorker({
      config: 'wrangler.toml',
      bindings: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, { type: 'plain_text' as const, value: v }])),
      dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist, logLevel: 'warn', watch: false },
    });
    base = (await worker.url).origin;
  });

  afterAll(async () => {
    await worker?.dispose();
    await stub?.close();
    rmSync(persist, { recursive: true, force: true });
  });

  beforeEach(() => {
    stub.calls.length = 0;
    delete stub.state.failWith;
  });

  async function cached(publicId: string, tags?: string[]) {
    const up = await upload(base, DEMO, publicId, { tags });
    const url = `${base}/demo/image/upload/${publicId}.jpg`;
    await get(url);
    await untilHit(url);
    return up;
  }

  const expectCalls = (tagLists: string[][]) => {
    expect(
      stub.calls.map((c) => ({ method: c.method, path: c.path, auth: c.headers.authorization, type: c.headers['content-type'] })),
    ).toEqual(
      tagLists.map(() => ({
        method: 'POST',
        path: `/client/v4/zones/${ZONE}/purge_cache`,
        auth: `Bearer ${TOKEN}`,
        type: 'application/json',
      })),
    );
    expect(stub.calls.map((c) => c.body)).toEqual(tagLists.map((tags) => ({ tags })));
  };

  it('purges public ids by their asset tag', async () => {
    const id = uid('cf');
    await cached(id);
    const r = await purge(base, DEMO, { public_ids: [id] });
    expect(r.json.purged).toBe(1);
    expectCalls([[cfTags.asset('demo', id)]]);
  });

  it('purges a whole cloud by its cloud tag', async () => {
    await cached(uid('cf'));
    await purge(base, DEMO, { all: true });
    expectCalls([[cfTags.cloud('demo')]]);
  });

  it('purges all of one type by the cloud tag (one call, whatever the number of assets), counting the assets in scope', async () => {
    const id = uid('cf');
    await cached(id);
    const r = await purge(base, DEMO, { all: true, type: 'upload' });
    expect(r.json.purged).toBeGreaterThanOrEqual(1);
    expectCalls([[cfTags.cloud('demo')]]);
  });

  it('purges URLs by their URL tag, cached or not', async () => {
    const id = uid('cf');
    await cached(id);
    const r = await purge(base, DEMO, { urls: [`${base}/demo/image/upload/${id}.jpg`, `/demo/image/upload/v1/${id}.jpg`] });
    expect(r.json.purged).toBe(2);
    expectCalls([[cfTags.url('demo', `demo/image/upload/-/none/${id}.jpg`), cfTags.url('demo', `demo/image/upload/-/v1/${id}.jpg`)]]);
  });

  it('sends at most 30 tags a request', async () => {
    const tag = uid('many');
    const ids = Array.from({ length: 32 }, (_, i) => `${tag}_${String(i).padStart(2, '0')}`);
    for (const id of ids) await cached(id, [tag]);
    const r = await purge(base, DEMO, { tag });
    expect(r.json.purged).toBe(ids.length);
    expect(stub.calls.length).toBe(2);
    const sent = stub.calls.flatMap((c) => (c.body as { tags: string[] }).tags);
    expect((stub.calls[0].body as { tags: string[] }).tags.length).toBe(30);
    expect(new Set(sent)).toEqual(new Set(ids.map((id) => cfTags.asset('demo', id))));
    expect(sent.length).toBe(ids.length);
  });

  it("reports Cloudflare's refusal as an error", async () => {
    const id = uid('cf');
    await cached(id);
    stub.state.failWith = { status: 403, message: 'Authentication error' };
    const r = await purge(base, DEMO, { public_ids: [id] });
    expect(r.status).toBe(500);
    expect(r.json.error?.message).toBe('Cloudflare purge failed: Authentication error');
  });
});
