import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { cacheKey } from '../../src/protocol/cache-key';
import { invalidateAsset, invalidatedForm, purgeAsset } from '../../src/services/cache/purge';
import { forgetResource } from '../../src/services/cache/resource-memo';
import { assetTag, cloudTag, formTag, urlTag } from '../../src/services/cache/tags';
import { updateSettings } from '../../src/config/settings';
import { parseDeliveryPath } from '../../src/protocol/delivery-url';
import { putOriginal } from '../../src/storage/assets';
import { ensureSchema } from '../../src/storage/schema';

const uid = (p = 'w') => `${p}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
const BASE = 'http://cache.test';
const keyOf = (path: string, accept?: string) =>
  cacheKey(parseDeliveryPath(path), new Request(BASE + path, { headers: accept ? { Accept: accept } : {} }));

/** A minimal JPEG is enough: delivery of originals never decodes. */
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]);

async function store(cloud: string, publicId: string, bytes: Uint8Array = JPEG) {
  const etag = Array.from(new Uint8Array(await crypto.subtle.digest('MD5', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
  const { resource } = await putOriginal(env, {
    ref: { cloud, resourceType: 'image', type: 'upload', publicId },
    body: bytes,
    bytes: bytes.length,
    etag,
    contentType: 'image/jpeg',
    format: 'jpg',
    width: 1,
    height: 1,
    overwrite: true,
  });
  return resource;
}

/** Asks until the copy put after a MISS is in the cache (the put runs after the answer). */
async function fetchUntilHit(url: string, init: RequestInit = {}): Promise<Response> {
  for (let i = 0; i < 50; i++) {
    const res = await SELF.fetch(url, init);
    if (res.headers.get('X-Cache') === 'HIT') return res;
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never a HIT: ${url}`);
}

async function xcache(url: string, init: RequestInit = {}): Promise<string | null> {
  const res = await SELF.fetch(url, init);
  await res.arrayBuffer();
  expect(res.status, url).toBe(200);
  return res.headers.get('X-Cache');
}

describe('canonical cache keys', () => {
  it('ignores the order of items inside a component but not the order of components', () => {
    expect(keyOf('/demo/image/upload/w_100,c_fill,h_50/a.jpg').url).toBe(keyOf('/demo/image/upload/h_50,w_100,c_fill/a.jpg').url);
    expect(keyOf('/demo/image/upload/w_100/a_90/a.jpg').url).not.toBe(keyOf('/demo/image/upload/a_90/w_100/a.jpg').url);
  });

  it('separates version forms, formats, types, clouds and resource types', () => {
    const urls = [
      '/demo/image/upload/a.jpg',
      '/demo/image/upload/v1/a.jpg',
      '/demo/image/upload/v123/a.jpg',
      '/demo/image/upload/v124/a.jpg',
      '/demo/image/upload/a.png',
      '/demo/image/upload/a',
      '/demo/image/private/a.jpg',
      '/other/image/upload/a.jpg',
      '/demo/raw/upload/a.jpg',
    ].map((p) => keyOf(p).url);
    expect(new Set(urls).size).toBe(urls.length);
    expect(keyOf('/demo/image/upload/v1/a.jpg').versionForm).toBe('v1');
    expect(keyOf('/demo/image/upload/a.jpg').versionForm).toBe('none');
    expect(keyOf('/demo/image/upload/v123/a.jpg').versionForm).toBe('v123');
  });

  it('treats jpeg and jpg as one format and ignores signatures, SEO suffixes and _a', () => {
    expect(keyOf('/demo/image/upload/a.jpeg').url).toBe(keyOf('/demo/image/upload/a.jpg').url);
    expect(keyOf('/demo/image/upload/s--abcdefgh--/w_10/a.jpg').url).toBe(keyOf('/demo/image/upload/w_10/a.jpg').url);
    expect(keyOf('/demo/images/f/a/seo.jpg').url).toBe(keyOf('/demo/image/upload/f/a.jpg').url);
  });

  it('puts the negotiated result in the key only for f_auto, q_auto and dpr_auto', () => {
    const avif = 'image/avif,image/webp,image/apng,*/*;q=0.8';
    const webp = 'image/webp,*/*';
    const basic = 'image/png,image/*;q=0.8';
    expect(keyOf('/demo/image/upload/f_auto/a.jpg', avif).url).toMatch(/\?accept=avif$/);
    expect(keyOf('/demo/image/upload/f_auto/a.jpg', webp).url).toMatch(/\?accept=webp$/);
    expect(keyOf('/demo/image/upload/f_auto/a.jpg', basic).url).toMatch(/\?accept=jpg$/);
    expect(keyOf('/demo/image/upload/f_auto/a.jpg').url).toBe(keyOf('/demo/image/upload/f_auto/a.jpg', basic).url);
    const dpr = (h: string) =>
      cacheKey(parseDeliveryPath('/demo/image/upload/w_10,dpr_auto/a.jpg'), new Request(`${BASE}/x`, { headers: { DPR: h } })).url;
    expect(dpr('2')).toMatch(/\?dpr=2$/);
    expect(dpr('2')).not.toBe(dpr('3'));
    expect(keyOf('/demo/image/upload/w_10,dpr_2/a.jpg').url).not.toMatch(/\?/);
    for (const t of ['f_auto', 'q_auto', 'w_10,q_auto:good', 'f_auto/w_10']) {
      const keys = [avif, webp, basic].map((a) => keyOf(`/demo/image/upload/${t}/a.jpg`, a));
      expect(new Set(keys.map((k) => k.url)).size, t).toBe(3);
      expect(new Set(keys.map((k) => k.urlKey)).size, t).toBe(1);
    }
    expect(keyOf('/demo/image/upload/w_10/a.jpg', avif).url).toBe(keyOf('/demo/image/upload/w_10/a.jpg', basic).url);
    expect(keyOf('/demo/image/upload/a.jpg', avif).url).toBe(keyOf('/demo/image/upload/a.jpg').url);
  });
});

describe("Cloudinary's invalidation rules", () => {
  it('selects unversioned or /v1/ forms when off, the previous version when on', () => {
    expect(invalidatedForm('sample', 14858684, false)).toBe('none');
    expect(invalidatedForm('folder1/folder2/sample', 14858684, false)).toBe('v1');
    expect(invalidatedForm('sample', 14858684, true)).toBe('v14858684');
    expect(invalidatedForm('folder1/folder2/sample', 14858684, true)).toBe('v14858684');
  });
});

describe('edge cache in the worker', () => {
  it('stores a tagged copy and serves it as a HIT', async () => {
    const id = uid();
    const r = await store('demo', id);
    const path = `/demo/image/upload/v${r.version}/${id}.jpg`;
    expect(await xcache(BASE + path)).toBe('MISS');
    const hit = await fetchUntilHit(BASE + path);
    expect(hit.headers.get('Cache-Tag')).toBeNull();
    expect(new Uint8Array(await hit.arrayBuffer())).toEqual(JPEG);
    const key = keyOf(path);
    const stored = await caches.default.match(key.url);
    expect(stored).toBeDefined();
    const tags = stored!.headers.get('Cache-Tag')!.split(',');
    const a = key.asset;
    expect(tags).toEqual([await cloudTag('demo'), await assetTag(a), await formTag(a, `v${r.version}`), await urlTag('demo', key.urlKey)]);
    await stored!.arrayBuffer();
    await ensureSchema(env.DB);
    const row = await env.DB.prepare('SELECT * FROM cache_entries WHERE cache_key = ?').bind(key.url).first();
    expect(row).toMatchObject({ cloud: 'demo', public_id: id, url_key: key.urlKey, version_form: `v${r.version}` });
  });

  it('purgeAsset removes every form', async () => {
    const id = uid();
    const r = await store('demo', id);
    const paths = [
      `/demo/image/upload/${id}.jpg`,
      `/demo/image/upload/v1/${id}.jpg`,
      `/demo/image/upload/v${r.version}/${id}.jpg`,
      `/demo/image/upload/${id}`,
    ];
    for (const p of paths) await fetchUntilHit(BASE + p).then((res) => res.arrayBuffer());
    expect(await purgeAsset(env, { cloud: 'demo', resourceType: 'image', type: 'upload', publicId: id })).toBe(paths.length);
    for (const p of paths) expect(await xcache(BASE + p), p).toBe('MISS');
  });

  for (const setting of [false, true]) {
    for (const folder of ['', 'fold/er/']) {
      it(`invalidateAsset with invalidate_versioned_urls=${setting}, ${folder ? 'in a folder' : 'not in a folder'}`, async () => {
        const cloud = setting ? 'third' : 'demo';
        await updateSettings(env.CONFIG, cloud, { invalidate_versioned_urls: setting });
        const id = `${folder}${uid()}`;
        const r = await store(cloud, id);
        const forms = {
          none: `/${cloud}/image/upload/${id}.jpg`,
          v1: `/${cloud}/image/upload/v1/${id}.jpg`,
          [`v${r.version}`]: `/${cloud}/image/upload/v${r.version}/${id}.jpg`,
          v42: `/${cloud}/image/upload/v42/${id}.jpg`,
        };
        for (const p of Object.values(forms)) await fetchUntilHit(BASE + p).then((res) => res.arrayBuffer());
        const expected = setting ? `v${r.version}` : folder ? 'v1' : 'none';
        const n = await invalidateAsset(
          env,
          { cloud, resourceType: 'image', type: 'upload', publicId: id },
          { previousVersion: r.version },
        );
        expect(n).toBe(1);
        for (const [form, p] of Object.entries(forms)) expect(await xcache(BASE + p), p).toBe(form === expected ? 'MISS' : 'HIT');
        await updateSettings(env.CONFIG, cloud, { invalidate_versioned_urls: false });
      });
    }
  }

  it('re-runs the asset access checks on a hit', async () => {
    const id = uid();
    await store('demo', id);
    const path = `/demo/image/upload/${id}.jpg`;
    await fetchUntilHit(BASE + path).then((r) => r.arrayBuffer());
    const ref = { cloud: 'demo', resourceType: 'image', type: 'upload', publicId: id };
    await env.DB.prepare("UPDATE resources SET access_mode = 'authenticated' WHERE cloud = 'demo' AND public_id = ?").bind(id).run();
    forgetResource(ref); // as the memo's TTL would
    const res = await SELF.fetch(BASE + path);
    expect(res.status).toBe(401);
    const stillCached = await caches.default.match(keyOf(path).url);
    expect(stillCached).toBeDefined();
    await stillCached!.arrayBuffer();
  });

  it('answers 404 on a hit whose asset is gone', async () => {
    const id = uid();
    await store('demo', id);
    const path = `/demo/image/upload/${id}.jpg`;
    await fetchUntilHit(BASE + path).then((r) => r.arrayBuffer());
    await env.DB.prepare("DELETE FROM resources WHERE cloud = 'demo' AND public_id = ?").bind(id).run();
    forgetResource({ cloud: 'demo', resourceType: 'image', type: 'upload', publicId: id });
    expect((await SELF.fetch(BASE + path)).status).toBe(404);
  });
});
