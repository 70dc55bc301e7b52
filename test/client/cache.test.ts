import { describe, expect, inject, it } from 'vitest';
import { DEMO, OTHER, THIRD } from '../support/clouds';
import { uid } from '../support/sdk';
import { get, otherPhoto, photo, purge, untilHit, upload } from '../support/cache';

const base = inject('workerUrl');

const AVIF = 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8';
const WEBP = 'image/webp,image/*,*/*;q=0.8';
const BASIC = 'image/png,image/*;q=0.8';

interface Variant {
  url: string;
  headers?: Record<string, string>;
  /** Which cache entry answers it: variants that must share one entry share this. */
  entry: string;
}

/** Every URL of an asset this worker can serve and cache, with the request headers to ask with. */
function variants(cloud: string, publicId: string, version: number): Variant[] {
  const p = (rest: string) => `${base}/${cloud}/image/upload/${rest}`;
  const list: Variant[] = [
    { url: p(`${publicId}.jpg`), entry: 'unversioned' },
    { url: p(`${publicId}.jpeg`), entry: 'unversioned' },
    { url: p(publicId), entry: 'no extension' },
    { url: p(`v1/${publicId}.jpg`), entry: 'v1' },
    { url: p(`v${version}/${publicId}.jpg`), entry: 'versioned' },
    // An original does not depend on Accept: one entry for every client.
    { url: p(`v${version}/${publicId}.jpg`), headers: { Accept: AVIF }, entry: 'versioned' },
    { url: p(`f_auto,w_64/${publicId}`), headers: { Accept: AVIF }, entry: 'f_auto avif' },
    { url: p(`f_auto,w_64/${publicId}`), headers: { Accept: WEBP }, entry: 'f_auto webp' },
    { url: p(`f_auto,w_64/${publicId}`), headers: { Accept: BASIC }, entry: 'f_auto basic' },
    { url: p(`f_auto,w_64/${publicId}`), entry: 'f_auto basic' },
    { url: p(`c_scale,w_40,dpr_2.0/${publicId}.jpg`), entry: 'dpr 2' },
    { url: p(`dpr_2.0,w_40,c_scale/${publicId}.jpg`), entry: 'dpr 2' },
    { url: p(`c_scale,w_40,dpr_auto/${publicId}.jpg`), headers: { DPR: '3' }, entry: 'dpr auto 3' },
    { url: p(`fl_attachment,w_64/${publicId}.jpg`), entry: 'attachment' },
    { url: p(`c_scale,w_40/v1/${publicId}.png`), entry: 'w40 v1' },
    { url: p(`c_scale,w_40/v${version}/${publicId}.png`), entry: 'w40 versioned' },
  ];
  return list.map((v) => ({ ...v, entry: `${cloud}/${publicId}: ${v.entry}` }));
}

const entryOf = (v: Variant) => v.entry;
const entries = (vs: Variant[]) => new Set(vs.map(entryOf)).size;

async function warmAll(vs: Variant[]) {
  for (const v of vs) {
    const first = await get(v.url, v.headers);
    expect(first.status, v.url).toBe(200);
    await untilHit(v.url, v.headers);
  }
}

async function expectAll(vs: Variant[], state: 'HIT' | 'MISS') {
  for (const v of vs) {
    const r = await get(v.url, v.headers);
    expect(r.status, v.url).toBe(200);
    expect(r.cache, `${v.url} ${JSON.stringify(v.headers ?? {})}`).toBe(state);
  }
}

/**
 * Proves a purge removes every variant by asking for each again and seeing a
 * MISS. Asking refills the entry the variant shares with others, so each round
 * asks one member of every entry, warming and purging again between rounds.
 * Returns the `purged` count of each round.
 */
async function expectPurged(vs: Variant[], purgeNow: () => Promise<number | undefined>): Promise<(number | undefined)[]> {
  const groups = new Map<string, Variant[]>();
  for (const v of vs) {
    const k = entryOf(v);
    groups.set(k, [...(groups.get(k) ?? []), v]);
  }
  const rounds = Math.max(...[...groups.values()].map((g) => g.length));
  const counts: (number | undefined)[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i > 0) await warmAll(vs);
    counts.push(await purgeNow());
    for (const g of groups.values()) await expectAll([g[i % g.length]], 'MISS');
  }
  return counts;
}

describe('edge cache', () => {
  it('answers MISS, then HIT with the same bytes and headers', async () => {
    const id = uid('c');
    const up = await upload(base, DEMO, id);
    for (const [url, cc] of [
      [`${base}/demo/image/upload/${id}.jpg`, 'public, max-age=3600'],
      [`${base}/demo/image/upload/v1/${id}.jpg`, 'public, max-age=3600'],
      [`${base}/demo/image/upload/v${up.version}/${id}.jpg`, 'public, max-age=31536000, immutable'],
    ]) {
      const miss = await get(url);
      expect(miss.status).toBe(200);
      expect(miss.cache).toBe('MISS');
      expect(miss.body.equals(photo)).toBe(true);
      expect(miss.res.headers.get('cache-control')).toBe(cc);
      const hit = await untilHit(url);
      expect(hit.body.equals(photo)).toBe(true);
      for (const h of ['etag', 'cache-control', 'content-type', 'content-length', 'last-modified']) {
        expect(hit.res.headers.get(h), h).toBe(miss.res.headers.get(h));
      }
      expect(hit.res.headers.get('cache-tag')).toBeNull();
    }
  });

  it('answers 304 to a matching If-None-Match on misses and hits, and HEAD from the cache', async () => {
    const id = uid('c');
    await upload(base, DEMO, id);
    const url = `${base}/demo/image/upload/${id}.jpg`;
    const etag = (await fetch(`${base}/demo/image/upload/v1/${id}.jpg`, { method: 'HEAD' })).headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const missNotModified = await get(url, { 'If-None-Match': etag });
    expect(missNotModified.status).toBe(304);
    expect(missNotModified.cache).toBe('MISS');
    expect(missNotModified.body.length).toBe(0);
    await get(url);
    await untilHit(url);
    const hitNotModified = await get(url, { 'If-None-Match': `W/${etag}` });
    expect(hitNotModified.status).toBe(304);
    expect(hitNotModified.cache).toBe('HIT');
    expect(hitNotModified.res.headers.get('etag')).toBe(etag);
    const changed = await get(url, { 'If-None-Match': '"0000"' });
    expect(changed.status).toBe(200);
    expect(changed.cache).toBe('HIT');
    expect(changed.body.equals(photo)).toBe(true);
    const head = await get(url, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.cache).toBe('HIT');
    expect(head.res.headers.get('content-length')).toBe(String(photo.length));
    expect(head.body.length).toBe(0);
  });

  it('keeps serving the cached unversioned answer after an overwrite without invalidation, while a new version misses', async () => {
    const id = uid('c');
    await upload(base, DEMO, id);
    const url = `${base}/demo/image/upload/${id}.jpg`;
    await get(url);
    await untilHit(url);
    const second = await upload(base, DEMO, id, { bytes: otherPhoto });
    const stale = await get(url);
    expect(stale.cache).toBe('HIT');
    expect(stale.body.equals(photo)).toBe(true);
    const fresh = await get(`${base}/demo/image/upload/v${second.version}/${id}.jpg`);
    expect(fresh.cache).toBe('MISS');
    expect(fresh.body.equals(otherPhoto)).toBe(true);
  });

  it('never caches answers it refuses', async () => {
    const id = uid('c');
    await upload(base, DEMO, id, { extra: { type: 'private' } });
    const url = `${base}/demo/image/private/${id}.jpg`;
    for (let i = 0; i < 2; i++) {
      const r = await get(url);
      expect(r.status).toBe(401);
      expect(r.cache).toBeNull();
    }
  });
});

describe('POST /v1_1/<cloud>/purge', () => {
  it('purges by public_ids every variant, and nothing else', async () => {
    const [a, b] = [uid('p'), uid('p')];
    const va = variants('demo', a, (await upload(base, DEMO, a)).version);
    const vb = variants('demo', b, (await upload(base, DEMO, b)).version);
    await warmAll([...va, ...vb]);
    const counts = await expectPurged(va, async () => (await purge(base, DEMO, { public_ids: [a] })).json.purged);
    expect(counts[0]).toBe(entries(va));
    await expectAll(vb, 'HIT');
  });

  it('purges by prefix, within the given resource_type and type', async () => {
    const folder = uid('pre');
    const inside = [`${folder}/a`, `${folder}/sub/b`];
    const outside = `${folder}x/c`;
    const vs = await Promise.all(inside.map(async (id) => variants('demo', id, (await upload(base, DEMO, id)).version)));
    const vo = variants('demo', outside, (await upload(base, DEMO, outside)).version);
    await warmAll([...vs.flat(), ...vo]);
    expect((await purge(base, DEMO, { prefix: `${folder}/`, resource_type: 'raw' })).json.purged).toBe(0);
    expect((await purge(base, DEMO, { prefix: `${folder}/`, type: 'private' })).json.purged).toBe(0);
    await expectAll(vs.flat(), 'HIT');
    const counts = await expectPurged(
      vs.flat(),
      async () => (await purge(base, DEMO, { prefix: `${folder}/`, resource_type: 'image', type: 'upload' })).json.purged,
    );
    expect(counts[0]).toBe(entries(vs.flat()));
    await expectAll(vo, 'HIT');
  });

  it('purges by tag', async () => {
    const tag = uid('tag');
    const [a, b] = [uid('t'), uid('t')];
    const va = variants('demo', a, (await upload(base, DEMO, a, { tags: [tag, 'other'] })).version);
    const vb = variants('demo', b, (await upload(base, DEMO, b, { tags: ['other'] })).version);
    await warmAll([...va, ...vb]);
    const counts = await expectPurged(va, async () => (await purge(base, DEMO, { tag })).json.purged);
    expect(counts[0]).toBe(entries(va));
    await expectAll(vb, 'HIT');
  });

  it('purges by URL, absolute or path, every negotiated answer of that URL only', async () => {
    const id = uid('u');
    const up = await upload(base, DEMO, id);
    const vs = variants('demo', id, up.version);
    await warmAll(vs);
    const unversioned = `${base}/demo/image/upload/${id}.jpg`;
    const purged = new Set([unversioned, `${base}/demo/image/upload/v${up.version}/${id}.jpg`]);
    const urls = [unversioned, `/demo/image/upload/v${up.version}/${id}.jpg`];
    const counts = await expectPurged(
      vs.filter((v) => purged.has(v.url)),
      async () => (await purge(base, DEMO, { urls })).json.purged,
    );
    expect(counts[0]).toBe(entries(vs.filter((v) => purged.has(v.url))));
    await expectAll(
      vs.filter((v) => !purged.has(v.url)),
      'HIT',
    );
  });

  it('purges all of one cloud and no other cloud', async () => {
    const id = uid('all');
    const vThird = variants('third', id, (await upload(base, THIRD, id)).version);
    const vOther = variants('other', id, (await upload(base, OTHER, id)).version);
    await warmAll([...vThird, ...vOther]);
    const counts = await expectPurged(vThird, async () => (await purge(base, THIRD, { all: true })).json.purged);
    expect(counts[0]).toBeGreaterThanOrEqual(entries(vThird));
    await expectAll(vOther, 'HIT');
  });

  it('refuses bad requests with clear errors', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{}, 400, /Nothing to purge/],
      [{ public_ids: 'a' }, 400, /public_ids/],
      [{ all: 'yes' }, 400, /all/],
      [{ prefix: 3 }, 400, /prefix/],
      [{ bogus: true }, 400, /Unknown purge parameter: bogus/],
      [{ urls: ['/other/image/upload/a.jpg'] }, 400, /not a delivery URL of cloud demo/],
      [{ urls: ['/demo/nope/upload/a.jpg'] }, 400, /Invalid resource type/],
      [{ all: true, type: 'weird' }, 400, /Invalid type/],
      [[1], 400, /JSON object/],
    ];
    for (const [body, status, message] of cases) {
      const r = await purge(base, DEMO, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.json.error?.message, JSON.stringify(body)).toMatch(message);
    }
    const notJson = await fetch(`${base}/v1_1/demo/purge`, {
      method: 'POST',
      headers: { Authorization: 'Basic ' + btoa(`${DEMO.api_key}:${DEMO.api_secret}`) },
      body: '{',
    });
    expect(notJson.status).toBe(400);
    const noAuth = await fetch(`${base}/v1_1/demo/purge`, { method: 'POST', body: '{"all":true}' });
    expect(noAuth.status).toBe(401);
    const wrongCloud = await fetch(`${base}/v1_1/demo/purge`, {
      method: 'POST',
      headers: { Authorization: 'Basic ' + btoa(`${OTHER.api_key}:${OTHER.api_secret}`) },
      body: '{"all":true}',
    });
    expect(wrongCloud.status).toBe(401);
  });
});

describe('negotiated answers', () => {
  it('keeps one entry per negotiated format: AVIF, WebP and neither never cross', async () => {
    const id = uid('neg');
    await upload(base, DEMO, id);
    const url = `${base}/demo/image/upload/f_auto,w_64/${id}`;
    const expectType: Record<string, string> = { [AVIF]: 'image/avif', [WEBP]: 'image/webp', [BASIC]: 'image/jpeg' };
    for (const accept of [AVIF, WEBP, BASIC]) {
      const miss = await get(url, { Accept: accept });
      expect(miss.cache, accept).toBe('MISS');
      expect(miss.res.headers.get('content-type')).toBe(expectType[accept]);
      expect(miss.res.headers.get('vary')).toContain('Accept');
      await untilHit(url, { Accept: accept });
    }
    for (const accept of [AVIF, WEBP, BASIC, 'image/webp', '*/*']) {
      const hit = await get(url, { Accept: accept });
      expect(hit.cache, accept).toBe('HIT');
      expect(hit.res.headers.get('content-type'), accept).toBe(
        expectType[accept] ?? (accept === 'image/webp' ? 'image/webp' : 'image/jpeg'),
      );
    }
  });

  it('answers 304 for a derived image on a miss and on a hit', async () => {
    const id = uid('neg');
    await upload(base, DEMO, id);
    const url = `${base}/demo/image/upload/c_scale,w_50/${id}.webp`;
    const first = await get(url);
    const etag = first.res.headers.get('etag')!;
    await untilHit(url);
    const hit = await get(url, { 'If-None-Match': etag });
    expect([hit.status, hit.cache]).toEqual([304, 'HIT']);
    const other = `${base}/demo/image/upload/c_scale,w_50/v1/${id}.webp`;
    const miss = await get(other, { 'If-None-Match': etag });
    expect([miss.status, miss.cache]).toEqual([304, 'MISS']);
  });

  it('serves fl_attachment with its Content-Disposition from the cache', async () => {
    const id = uid('att');
    await upload(base, DEMO, id);
    const url = `${base}/demo/image/upload/fl_attachment/${id}.jpg`;
    const miss = await get(url);
    expect(miss.res.headers.get('content-disposition')).toContain('attachment');
    const hit = await untilHit(url);
    expect(hit.res.headers.get('content-disposition')).toBe(miss.res.headers.get('content-disposition'));
    expect((await get(`${base}/demo/image/upload/${id}.jpg`)).res.headers.get('content-disposition')).toBeNull();
  });
});
