import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import type { Env } from '../../src/config/env';
import { meterBindings, meterOf, type BindingMeter } from '../../src/config/metered-bindings';
import { cacheKey } from '../../src/protocol/cache-key';
import { parseDeliveryPath } from '../../src/protocol/delivery-url';
import { fixture, storeImage, uid } from './support/fixtures';
import { basicAuth, DEMO, THIRD } from '../support/clouds';
import { updateSettings } from '../../src/config/settings';
import { assetTag, urlTag } from '../../src/services/cache/tags';
import { forgetResource } from '../../src/services/cache/resource-memo';

const BASE = 'http://hot.test';
/**
 * Hits skip the asset check only where every data centre can be purged:
 * Cloudflare's purge API is configured. Here it is stood in for (below) as
 * Cloudflare answers it: each purge by tag removes the copies carrying the tag.
 */
const CF_API = 'https://cf-api.test/client/v4';
const PURGEABLE = { ...env, CF_ZONE_ID: 'zone', CF_API_TOKEN: 'token', CF_API_BASE_URL: CF_API } as Env;

/** Cache keys by the tags their stored copies carry, learnt after each request (a real zone knows this itself). */
const carrying = new Map<string, Set<string>>();
const purgedTags: string[] = [];

async function learnTags(path: string): Promise<void> {
  const key = cacheKey(parseDeliveryPath(path), new Request(BASE + path)).url;
  const stored = await caches.default.match(key);
  if (!stored) return;
  await stored.arrayBuffer();
  for (const tag of stored.headers.get('Cache-Tag')?.split(',') ?? []) carrying.set(tag, (carrying.get(tag) ?? new Set()).add(key));
}

const realFetch = globalThis.fetch;
beforeAll(() => {
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(CF_API)) return realFetch(input, init);
    const { tags } = JSON.parse(String(init?.body)) as { tags: string[] };
    purgedTags.push(...tags);
    for (const tag of tags) for (const key of carrying.get(tag) ?? []) await caches.default.delete(key);
    return Response.json({ success: true, errors: [], messages: [], result: { id: 'purge' } });
  });
});
afterAll(() => vi.restoreAllMocks());

interface Timing {
  cache: string;
  d1: number;
  r2: number;
  kv: number;
  queue: number;
  cacheapi: number;
}

/** Server-Timing as the INTERFACE.md form has it: `cache;desc="HIT", d1;count=0;dur=0, ...`. */
function timingOf(res: Response): Timing {
  const header = res.headers.get('Server-Timing');
  expect(header).toMatch(/^cache;desc="(HIT|MISS)"(, (d1|r2|kv|queue|cacheapi);count=\d+;dur=\d+(\.\d)?){5}$/);
  const out: Record<string, string | number> = { cache: /desc="(\w+)"/.exec(header!)![1] };
  for (const m of header!.matchAll(/(\w+);count=(\d+)/g)) out[m[1]] = Number(m[2]);
  return out as unknown as Timing;
}

/**
 * One request through the worker's own entry point, with everything it did
 * counted, the work left to waitUntil (the edge-cache put) included.
 */
async function get(path: string, base: Env = PURGEABLE): Promise<{ res: Response; timing: Timing; all: BindingMeter }> {
  const metered = meterBindings(base);
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(BASE + path), metered, ctx);
  await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  await learnTags(path);
  return { res, timing: timingOf(res), all: meterOf(metered)! };
}

const d1Writes = (m: BindingMeter) => m.log.filter((c) => c.startsWith('d1.') && !/ SELECT /i.test(c));

describe('Server-Timing and the calls each kind of answer makes', { timeout: 30_000 }, () => {
  it('an edge hit touches neither D1 nor R2', async () => {
    const id = uid('hot');
    await storeImage(id, fixture('photo-1mp.jpg'));
    const path = `/demo/image/upload/${id}.jpg`;
    const miss = await get(path);
    expect(miss.res.status).toBe(200);
    expect(miss.timing.cache).toBe('MISS');
    const hit = await get(path);
    expect(hit.res.status).toBe(200);
    expect(hit.timing).toMatchObject({ cache: 'HIT', d1: 0, r2: 0, queue: 0, cacheapi: 1 });
    // Nor does anything it leaves to waitUntil (the usage counters go to the cloud's Durable Object).
    expect(hit.all.log.filter((c) => /^(d1|r2)\./.test(c))).toEqual([]);
  });

  it('a miss making a new derived image, then an R2-derived hit with one R2 read', async () => {
    const id = uid('hot');
    await storeImage(id, fixture('photo-1mp.jpg'));
    const path = `/demo/image/upload/c_scale,w_64/${id}.jpg`;
    const miss = await get(path);
    expect(miss.res.status).toBe(200);
    expect(miss.timing.cache).toBe('MISS');
    // The asset row, the lease taken, one batch: the derived row (answering the variant count for the per-asset cap)
    // with the lease released (docs/cache.md); no cache index row, no usage counters.
    expect(miss.all.d1.count, miss.all.log.join('\n')).toBeLessThanOrEqual(3);
    const prefixes = ['d1.first SELECT * FROM resources ', 'd1.first INSERT INTO derived_leases ', 'd1.batch'];
    const d1Calls = miss.all.log.filter((c) => c.startsWith('d1.'));
    expect(
      d1Calls.map((c, i) => c.startsWith(prefixes[i] ?? '?')),
      d1Calls.join('\n'),
    ).toEqual([true, true, true]);
    expect(miss.all.log.filter((c) => c.includes('cache_entries'))).toEqual([]);
    expect(miss.timing.r2, miss.all.log.join('\n')).toBeLessThanOrEqual(3);

    // The edge copy gone (another data centre, or evicted): the derived object in R2 answers.
    await caches.default.delete(cacheKey(parseDeliveryPath(path), new Request(BASE + path)).url);
    const fromR2 = await get(path);
    expect(fromR2.res.status).toBe(200);
    expect(fromR2.timing.cache).toBe('MISS');
    expect(
      fromR2.all.log.filter((c) => /^r2\.(get|head)/.test(c)),
      fromR2.all.log.join('\n'),
    ).toHaveLength(1);
    // No D1 write: the per-asset cap's last use of the variant is noted by the isolate and written in batches
    // (src/services/derived/recent-use.ts), through the queue or before this isolate evicts.
    expect(d1Writes(fromR2.all), fromR2.all.log.join('\n')).toEqual([]);
    expect(fromR2.timing.queue).toBe(0);

    const hit = await get(path);
    expect(hit.timing).toMatchObject({ cache: 'HIT', d1: 0, r2: 0 });
  });

  it('is absent unless SERVER_TIMING=true', async () => {
    const id = uid('hot');
    await storeImage(id, fixture('photo-1mp.jpg'));
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(`${BASE}/demo/image/upload/${id}.jpg`), { ...PURGEABLE, SERVER_TIMING: 'false' }, ctx);
    await res.arrayBuffer();
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    expect(res.headers.get('Server-Timing')).toBeNull();
  });
});

/** A call to the worker's APIs, through the same entry point and env as the deliveries above. */
async function api(path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}/v1_1/demo/${path}`, init), PURGEABLE, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const admin = (path: string, body: Record<string, string>) =>
  api(path, {
    method: 'POST',
    headers: { Authorization: basicAuth(DEMO), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });

/** An Upload API call signed as the SDKs sign it (SHA-1 over the sorted parameters and the secret). */
async function signed(path: string, fields: Record<string, string>, file?: Uint8Array): Promise<Response> {
  const all: Record<string, string> = { ...fields, timestamp: String(Math.floor(Date.now() / 1000)) };
  const toSign = Object.keys(all)
    .sort()
    .map((k) => `${k}=${all[k]}`)
    .join('&');
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(toSign + DEMO.api_secret));
  const form = new FormData();
  for (const [k, v] of Object.entries(all)) form.set(k, v);
  form.set('signature', Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join(''));
  form.set('api_key', DEMO.api_key);
  if (file) form.set('file', new Blob([file]), 'file.png');
  return api(path, { method: 'POST', body: form });
}

/** Serves the path until it is an edge HIT that read no database: the state each change below starts from. */
async function cachedHit(path: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const { res, timing } = await get(path);
    expect(res.status).toBe(200);
    if (timing.cache === 'HIT') return void expect(timing.d1).toBe(0);
  }
  throw new Error(`never a HIT: ${path}`);
}

describe('usage counters', { timeout: 30_000 }, () => {
  const usageOf = async () => {
    const res = await api('usage', { headers: { Authorization: basicAuth(DEMO) } });
    expect(res.status).toBe(200);
    return (await res.json()) as { requests: number; bandwidth: { usage: number } };
  };
  const d1Rows = async () =>
    (await env.DB.prepare("SELECT COUNT(*) AS n, COALESCE(SUM(value), 0) AS total FROM usage_counters WHERE cloud = 'demo'").first())!;

  it("go to the cloud's Durable Object, not D1, and the Admin usage endpoint answers them", async () => {
    const id = uid('use');
    await storeImage(id, fixture('photo-1mp.jpg'));
    const before = await usageOf();
    const rows = await d1Rows();
    const path = `/demo/image/upload/${id}.jpg`;
    await get(path);
    const hit = await get(path);
    expect(hit.timing.cache).toBe('HIT');
    const after = await usageOf();
    expect(after.requests).toBeGreaterThanOrEqual(before.requests + 2);
    expect(after.bandwidth.usage).toBeGreaterThan(before.bandwidth.usage);
    expect(await d1Rows()).toEqual(rows);
  });
});

describe('purge on change: a hit reads no database, so every change that alters an answer purges it first', { timeout: 30_000 }, () => {
  const image = (id: string) => `/demo/image/upload/${id}.jpg`;
  const derived = (id: string) => `/demo/image/upload/c_scale,w_32/${id}.jpg`;

  it('update_access_mode to authenticated: the cached answers are refused', async () => {
    const id = uid('pc');
    await storeImage(id, fixture('photo-1mp.jpg'));
    for (const p of [image(id), derived(id)]) await cachedHit(p);
    const res = await admin('resources/image/upload/update_access_mode', { access_mode: 'authenticated', 'public_ids[]': id });
    expect(res.status).toBe(200);
    expect(purgedTags).toContain(await assetTag({ cloud: 'demo', resourceType: 'image', type: 'upload', publicId: id }));
    for (const p of [image(id), derived(id)]) expect((await get(p)).res.status, p).toBe(401);
  });

  it('moderation rejected: the cached answers are gone', async () => {
    const id = uid('pc');
    await storeImage(id, fixture('photo-1mp.jpg'));
    await cachedHit(image(id));
    const res = await admin(`resources/image/upload/${id}`, { moderation_status: 'rejected' });
    expect(res.status).toBe(200);
    expect((await get(image(id))).res.status).toBe(404);
  });

  it('destroy without invalidate: the cached answers are gone', async () => {
    const id = uid('pc');
    await storeImage(id, fixture('photo-1mp.jpg'));
    for (const p of [image(id), derived(id)]) await cachedHit(p);
    const res = await signed('image/destroy', { public_id: id });
    expect(await res.json()).toEqual({ result: 'ok' });
    expect(purgedTags).toContain(await assetTag({ cloud: 'demo', resourceType: 'image', type: 'upload', publicId: id }));
    for (const p of [image(id), derived(id)]) expect((await get(p)).res.status, p).toBe(404);
  });

  it('rename without invalidate: the old name serves nothing, an overwritten target its new bytes', async () => {
    const [from, to] = [uid('pc'), uid('pc')];
    await storeImage(from, fixture('photo-1mp.jpg'));
    await storeImage(to, fixture('alpha.png'));
    for (const p of [image(from), image(to)]) await cachedHit(p);
    const before = (await get(image(to))).res.headers.get('ETag');
    const res = await signed('image/rename', { from_public_id: from, to_public_id: to, overwrite: 'true' });
    expect(res.status).toBe(200);
    expect((await get(image(from))).res.status).toBe(404);
    const after = await get(image(to));
    expect(after.timing.cache).toBe('MISS');
    expect(after.res.status).toBe(200);
    expect(after.res.headers.get('ETag')).not.toBe(before);
  });

  it('overwrite with invalidate: the unversioned URL serves the new bytes', async () => {
    const id = uid('pc');
    await storeImage(id, fixture('photo-1mp.jpg'));
    await cachedHit(`/demo/image/upload/${id}.png`);
    const res = await signed('image/upload', { public_id: id, overwrite: 'true', invalidate: 'true' }, fixture('alpha.png'));
    expect(res.status).toBe(200);
    expect((await get(`/demo/image/upload/${id}.png`)).timing.cache).toBe('MISS');
  });

  it('an overwrite without invalidate that leaves the asset restricted: the cached answers are refused', async () => {
    const id = uid('pc');
    await storeImage(id, fixture('photo-1mp.jpg'));
    for (const p of [image(id), derived(id)]) await cachedHit(p);
    const res = await signed('image/upload', { public_id: id, overwrite: 'true', access_mode: 'authenticated' }, fixture('photo-1mp.jpg'));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { access_mode: string }).access_mode).toBe('authenticated');
    expect(purgedTags).toContain(await assetTag({ cloud: 'demo', resourceType: 'image', type: 'upload', publicId: id }));
    for (const p of [image(id), derived(id)]) expect((await get(p)).res.status, p).toBe(401);
  });

  it('an answer with if_ on tags is never stored at the edge, so a tag change (no purge) shows at once', async () => {
    const id = uid('pc');
    await storeImage(id, fixture('photo-1mp.jpg'));
    const path = `/demo/image/upload/if_!sale!_in_tags/c_scale,w_40/if_else/c_scale,w_20/if_end/${id}.jpg`;
    const first = await get(path);
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('Cache-Control')).toMatch(/\bprivate\b/);
    const again = await get(path);
    expect(again.timing.cache).toBe('MISS');
    expect(await caches.default.match(cacheKey(parseDeliveryPath(path), new Request(BASE + path)).url)).toBeUndefined();

    const tagged = await signed('image/tags', { command: 'add', tag: 'sale', public_ids: id });
    expect(tagged.status).toBe(200);
    const after = await get(path);
    expect(after.res.status).toBe(200);
    expect(after.res.headers.get('ETag')).not.toBe(again.res.headers.get('ETag'));
  });

  it('without Cloudflare purge credentials, hits keep the asset check', async () => {
    const id = uid('pc');
    await storeImage(id, fixture('photo-1mp.jpg'));
    await get(image(id), env as Env);
    const hit = await get(image(id), env as Env);
    expect(hit.timing.cache).toBe('HIT');
    await env.DB.prepare("UPDATE resources SET access_mode = 'authenticated' WHERE cloud = 'demo' AND public_id = ?").bind(id).run();
    forgetResource({ cloud: 'demo', resourceType: 'image', type: 'upload', publicId: id }); // as the 5 s memo would
    expect((await get(image(id), env as Env)).res.status).toBe(401);
  });
});

describe('fetch URLs through the edge cache', { timeout: 30_000 }, () => {
  /** Keeps a fetched copy in R2 as a fetch did (no origin is reachable here), fresh for `seconds` (negative: expired). */
  async function keptCopy(cloud: string, url: string, seconds: number): Promise<void> {
    const bytes = fixture('alpha.png');
    const hash = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(url))), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('');
    const now = Date.now();
    await env.BUCKET.put(`f/${cloud}/${hash}`, bytes, {
      httpMetadata: { contentType: 'image/png' },
      customMetadata: {
        url,
        version: String(Math.floor(now / 1000)),
        fetchedAt: String(now),
        expiresAt: String(now + seconds * 1000),
        format: 'png',
        width: '4',
        height: '4',
        pages: '1',
        etag: 'e' + hash.slice(0, 8),
        originEtag: '',
        originLastModified: '',
      },
    });
  }
  // Port 9 refuses: an origin asked for a refresh is down, so the kept copy is kept longer and served.
  const remote = () => `http://127.0.0.1:9/${uid('f')}.png`;

  it('a fetch hit costs what an upload hit costs; the stored copy lives no longer than the fetched one is fresh', async () => {
    const url = remote();
    await keptCopy('demo', url, 120);
    const path = `/demo/image/fetch/${url}`;
    const miss = await get(path);
    expect(miss.res.status).toBe(200);
    expect(miss.timing.cache).toBe('MISS');
    const hit = await get(path);
    expect(hit.timing).toMatchObject({ cache: 'HIT', d1: 0, r2: 0, cacheapi: 1 });
    const stored = await caches.default.match(cacheKey(parseDeliveryPath(path), new Request(BASE + path)).url);
    const maxAge = Number(/max-age=(\d+)/.exec(stored!.headers.get('Cache-Control') ?? '')?.[1]);
    await stored!.arrayBuffer();
    expect(maxAge).toBeGreaterThan(100);
    expect(maxAge).toBeLessThanOrEqual(120);
  });

  it('a fetch refresh (kept copy expired) reads R2 and no D1 for the source', async () => {
    const url = remote();
    await keptCopy('demo', url, -1);
    const refresh = await get(`/demo/image/fetch/${url}`);
    expect(refresh.res.status).toBe(200);
    expect(refresh.timing, refresh.all.log.join('\n')).toMatchObject({ cache: 'MISS', d1: 0, queue: 0 });
    // head (freshness), get + put (kept longer while the origin is down), get (the bytes answered)
    expect(refresh.timing.r2, refresh.all.log.join('\n')).toBeLessThanOrEqual(4);
    expect(refresh.timing.cacheapi).toBe(2); // the lookup and the put of the new copy
  });

  it('narrowing allowed_fetch_domains refuses a cached fetch answer at once; with the cache index, purging its URL removes it', async () => {
    const url = remote();
    await keptCopy('third', url, 600);
    const path = `/third/image/fetch/${url}`;
    await get(path, env as Env);
    expect((await get(path, env as Env)).timing.cache).toBe('HIT');
    await updateSettings(env.CONFIG, 'third', { allowed_fetch_domains: ['example.com'] });
    try {
      expect((await get(path, env as Env)).res.status).toBe(403);
    } finally {
      await updateSettings(env.CONFIG, 'third', { allowed_fetch_domains: [] });
    }
    expect((await get(path, env as Env)).timing.cache).toBe('HIT');
    const ctx = createExecutionContext();
    const purge = await worker.fetch(
      new Request(`${BASE}/v1_1/third/purge`, {
        method: 'POST',
        headers: { Authorization: basicAuth(THIRD), 'Content-Type': 'application/json' },
        body: JSON.stringify({ urls: [BASE + path] }),
      }),
      env as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(await purge.json()).toEqual({ purged: 1 });
    expect((await get(path, env as Env)).timing.cache).toBe('MISS');
  });

  it('where purge by tag reaches everywhere, the purge extension purges a fetch URL by its tag and counts URLs and assets', async () => {
    const url = remote();
    await keptCopy('demo', url, 600);
    const path = `/demo/image/fetch/${url}`;
    await get(path);
    expect((await get(path)).timing.cache).toBe('HIT');
    const id = uid('pc');
    await storeImage(id, fixture('photo-1mp.jpg'));
    const res = await api('purge', {
      method: 'POST',
      headers: { Authorization: basicAuth(DEMO), 'Content-Type': 'application/json' },
      body: JSON.stringify({ urls: [BASE + path], public_ids: [id, uid('missing')] }),
    });
    expect(await res.json()).toEqual({ purged: 2 });
    expect(purgedTags).toContain(await urlTag('demo', cacheKey(parseDeliveryPath(path), new Request(BASE + path)).urlKey));
    expect((await get(path)).timing.cache).toBe('MISS');
  });
});
