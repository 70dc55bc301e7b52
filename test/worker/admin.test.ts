import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { putOriginal } from '../../src/storage/assets';
import { derivedKey } from '../../src/storage/keys';
import type { AssetRef } from '../../src/protocol/asset-ref';
import { getResource } from '../../src/storage/resources';
import { basicAuth, DEMO, OTHER } from '../support/clouds';

const uid = (p = 't') => `${p}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
const ref = (publicId: string, cloud = 'demo'): AssetRef => ({ cloud, resourceType: 'image', type: 'upload', publicId });

async function md5(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest('MD5', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function store(a: AssetRef, bytes: Uint8Array, opts: { backup?: boolean; tags?: string[] } = {}) {
  return putOriginal(env, {
    ref: a,
    body: bytes,
    bytes: bytes.length,
    etag: await md5(bytes),
    contentType: 'image/png',
    format: 'png',
    width: 1,
    height: 1,
    overwrite: true,
    backup: opts.backup,
    tags: opts.tags,
  });
}

async function addDerived(a: AssetRef, transformation: string, format = 'jpg'): Promise<{ id: number; key: string }> {
  const row = (await getResource(env.DB, a))!;
  const key = derivedKey(a, row.version, `${transformation.replace(/[^a-z0-9]/gi, '')}-${format}`);
  await env.BUCKET.put(key, new Uint8Array([1, 2, 3]));
  const ins = await env.DB.prepare(
    `INSERT INTO derived (cloud, resource_id, version, transformation, format, r2_key, bytes, width, height, eager, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 3, 1, 1, 1, ?) RETURNING id`,
  )
    .bind(a.cloud, row.id, row.version, transformation, format, key, new Date().toISOString())
    .first<{ id: number }>();
  return { id: ins!.id, key };
}

async function api(method: string, path: string, body?: unknown, creds = DEMO) {
  const headers: Record<string, string> = { Authorization: basicAuth(creds) };
  let payload: string | undefined;
  if (typeof body === 'string') {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await SELF.fetch(`http://w/v1_1/${creds.cloud_name}/${path}`, { method, headers, body: payload });
  // JSON answers are explored field by field in the assertions below.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const bytesOf = (...n: number[]) => new Uint8Array(n);

describe('restore and versions', () => {
  it('restores a chosen backed-up version through the asset service, and undoes an overwrite', async () => {
    const id = uid('restore');
    const first = bytesOf(1, 2, 3, 4, 5);
    const second = bytesOf(9, 9);
    await store(ref(id), first, { backup: true, tags: ['kept'] });
    await store(ref(id), second, { backup: true, tags: ['kept'] });

    const withVersions = await api('GET', `resources/image/upload/${id}?versions=true`);
    expect(withVersions.status).toBe(200);
    expect(withVersions.body.bytes).toBe(2);
    const versions = withVersions.body.versions as { version_id: string; size: number; restorable: boolean }[];
    expect(versions.map((v) => v.size)).toEqual([5, 2]);
    expect(versions.every((v) => v.restorable)).toBe(true);
    expect((await api('GET', `resources/image/upload/${id}`)).body.versions).toBeUndefined();
    const byAssetId = await api('GET', `resources/${withVersions.body.asset_id}?versions=true`);
    expect(byAssetId.body.public_id).toBe(id);
    expect(byAssetId.body.versions.map((v: { size: number }) => v.size)).toEqual([5, 2]);

    const restored = await api('POST', 'resources/image/upload/restore', { public_ids: [id], versions: [versions[0].version_id] });
    expect(restored.status).toBe(200);
    expect(restored.body[id].bytes).toBe(5);
    const now = await api('GET', `resources/image/upload/${id}?versions=true`);
    expect(now.body.bytes).toBe(5);
    expect(now.body.tags).toEqual(['kept']);
    expect(now.body.versions.length).toBe(3); // the replaced version became a revision too
    const delivered = await SELF.fetch(`http://w/demo/image/upload/${id}.png`);
    expect(new Uint8Array(await delivered.arrayBuffer())).toEqual(first);
  });

  it('a deleted backed-up asset answers as a placeholder and comes back with restore', async () => {
    const id = uid('placeholder');
    await store(ref(id), bytesOf(7, 7, 7), { backup: true });
    const del = await api('DELETE', 'resources/image/upload', `public_ids[]=${id}`);
    expect(del.body.deleted[id]).toBe('deleted');
    const ph = await api('GET', `resources/image/upload/${id}?versions=true`);
    expect(ph.status).toBe(200);
    expect(ph.body.placeholder).toBe(true);
    expect(ph.body.bytes).toBe(0);
    expect(ph.body.versions).toHaveLength(1);
    expect((await SELF.fetch(`http://w/demo/image/upload/${id}.png`)).status).toBe(404);

    const restored = await api('POST', 'resources/image/upload/restore', { public_ids: [id, uid('never')] });
    expect(restored.body[id].bytes).toBe(3);
    expect(Object.values(restored.body).find((v) => 'error' in (v as object))).toBeDefined();
    expect((await SELF.fetch(`http://w/demo/image/upload/${id}.png`)).status).toBe(200);
    // Another cloud cannot restore it, nor see its versions.
    expect((await api('GET', `resources/image/upload/${id}`, undefined, OTHER)).status).toBe(404);
    const foreign = await api('POST', 'resources/image/upload/restore', { public_ids: [id] }, OTHER);
    expect(foreign.body[id].error).toBeTypeOf('string');
  });

  it('restores by asset id', async () => {
    const id = uid('byasset');
    const put = await store(ref(id), bytesOf(4, 4), { backup: true });
    await store(ref(id), bytesOf(5), { backup: true });
    const res = await api('POST', 'resources/restore', { asset_ids: [put.resource.asset_id] });
    expect(res.body[put.resource.asset_id].bytes).toBe(2);
  });
});

describe('derived resources', () => {
  it('lists derived resources and deletes them by id, only within the cloud', async () => {
    const id = uid('derived');
    await store(ref(id), bytesOf(1, 2));
    const d1 = await addDerived(ref(id), 'c_scale,w_100');
    const d2 = await addDerived(ref(id), 'c_scale,w_200');
    const full = await api('GET', `resources/image/upload/${id}`);
    expect(full.body.derived.map((d: { id: string }) => d.id)).toEqual([String(d1.id), String(d2.id)]);
    expect(full.body.derived[0]).toMatchObject({ transformation: 'c_scale,w_100', format: 'jpg', bytes: 3 });
    expect(full.body.derived[0].url).toContain(`/demo/image/upload/c_scale,w_100/v${full.body.version}/${id}.jpg`);
    const page = await api('GET', `resources/image/upload/${id}?max_results=1`);
    expect(page.body.derived).toHaveLength(1);
    const next = await api('GET', `resources/image/upload/${id}?max_results=1&derived_next_cursor=${page.body.derived_next_cursor}`);
    expect(next.body.derived.map((d: { id: string }) => d.id)).toEqual([String(d2.id)]);

    const foreign = await api('DELETE', 'derived_resources', `derived_resource_ids[]=${d1.id}`, OTHER);
    expect(foreign.body.deleted[String(d1.id)]).toBe('not_found');
    expect(await env.BUCKET.head(d1.key)).not.toBeNull();

    const res = await api('DELETE', 'derived_resources', `derived_resource_ids[]=${d1.id}`);
    expect(res.body.deleted[String(d1.id)]).toBe('deleted');
    expect(await env.BUCKET.head(d1.key)).toBeNull();
    expect((await api('GET', `resources/image/upload/${id}`)).body.derived.map((d: { id: string }) => d.id)).toEqual([String(d2.id)]);
    const usage = await api('GET', 'usage');
    expect(usage.body.derived_resources).toBeGreaterThanOrEqual(1);
  });

  it('deletes derived resources by transformation and keeps the original', async () => {
    const a = uid('dbt');
    const b = uid('dbt');
    await store(ref(a), bytesOf(1));
    await store(ref(b), bytesOf(2));
    const a1 = await addDerived(ref(a), 'c_scale,w_100');
    await addDerived(ref(a), 'c_scale,w_300');
    await addDerived(ref(b), 'c_scale,w_100');
    const res = await api(
      'DELETE',
      'resources%2Fimage%2Fupload',
      `public_ids[]=${a}&keep_original=true&transformations=c_scale,w_100|c_scale,w_200/png`,
    );
    expect(res.status).toBe(200);
    expect(res.body.deleted_counts[a]).toEqual({ original: 0, derived: 1 });
    expect(await env.BUCKET.head(a1.key)).toBeNull();
    expect((await api('GET', `resources/image/upload/${a}`)).body.derived.map((d: { transformation: string }) => d.transformation)).toEqual(
      ['c_scale,w_300'],
    );
    expect((await api('GET', `resources/image/upload/${b}`)).body.derived).toHaveLength(1);

    const keep = await api('DELETE', 'resources/image/upload', `public_ids[]=${a}&keep_original=true`);
    expect(keep.body.deleted_counts[a].derived).toBeGreaterThanOrEqual(1);
    const after = await api('GET', `resources/image/upload/${a}`);
    expect(after.body.derived).toEqual([]);
    expect(after.body.bytes).toBe(1);
  });

  it('an unnamed transformation is found through its derived resources, and deleting it removes them', async () => {
    const id = uid('implicit');
    await store(ref(id), bytesOf(3));
    const t = `c_fill,h_${Math.floor(Math.random() * 1e6)},w_10`;
    const d = await addDerived(ref(id), t);
    const got = await api('GET', `transformations?transformation=${encodeURIComponent(t)}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ name: t, named: false, used: true, allowed_for_strict: false });
    expect(got.body.derived[0]).toMatchObject({ public_id: id, id: String(d.id), bytes: 3 });
    expect((await api('DELETE', 'transformations', `transformation=${encodeURIComponent(t)}`)).body).toEqual({ message: 'deleted' });
    expect(await env.BUCKET.head(d.key)).toBeNull();
    expect((await api('GET', `transformations?transformation=${encodeURIComponent(t)}`)).status).toBe(404);
  });
});

describe('transformation listing', () => {
  it('lists named transformations and those derived resources were made with, paged by name', async () => {
    const id = uid('tlist');
    await store(ref(id), bytesOf(6));
    const n = Math.floor(Math.random() * 1e6);
    const def = `c_fill,h_${n},w_${n}`;
    const name = uid('named');
    expect((await api('POST', 'transformations', `name=${name}&transformation=c_scale,w_10`)).status).toBe(200);
    await addDerived(ref(id), def);
    await addDerived(ref(id), `t_${name}`);

    type Entry = { name: string; named: boolean; used: boolean; allowed_for_strict: boolean };
    const all = (await api('GET', 'transformations?max_results=500')).body.transformations as Entry[];
    expect(all.find((t) => t.name === def)).toEqual({ name: def, allowed_for_strict: false, used: true, named: false });
    expect(all.filter((t) => t.name === `t_${name}`)).toEqual([{ name: `t_${name}`, allowed_for_strict: true, used: true, named: true }]);

    const paged: Entry[] = [];
    let cursor = '';
    do {
      const res = await api('GET', `transformations?max_results=2${cursor ? `&next_cursor=${cursor}` : ''}`);
      paged.push(...res.body.transformations);
      cursor = res.body.next_cursor ?? '';
    } while (cursor);
    expect(paged.map((t) => t.name)).toEqual(all.map((t) => t.name));
    expect(paged.map((t) => t.name)).toEqual([...paged.map((t) => t.name)].sort());

    const namedOnly = (await api('GET', 'transformations?max_results=500&named=true')).body.transformations as Entry[];
    expect(namedOnly.every((t) => t.named)).toBe(true);
    expect(namedOnly.map((t) => t.name)).toContain(`t_${name}`);
    const unnamed = (await api('GET', 'transformations?max_results=500&named=false')).body.transformations as Entry[];
    expect(unnamed.every((t) => !t.named)).toBe(true);
    expect(unnamed.map((t) => t.name)).toContain(def);
    expect(
      (await api('GET', 'transformations?max_results=500', undefined, OTHER)).body.transformations.map((t: Entry) => t.name),
    ).not.toContain(def);
  });
});

describe('cache purge and paging', () => {
  it('a moderation decision purges the edge-cache entries of the asset', async () => {
    const id = uid('reject');
    await store(ref(id), bytesOf(8));
    const cacheKey = `http://w/demo/image/upload/${id}.png?cache-test`;
    const cacheIt = async () => {
      await caches.default.put(cacheKey, new Response('cached', { headers: { 'Cache-Control': 'max-age=3600' } }));
      await env.DB.prepare(
        'INSERT OR REPLACE INTO cache_entries (cache_key, cloud, resource_type, type, public_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
        .bind(cacheKey, 'demo', 'image', 'upload', id, Date.now())
        .run();
      expect(await caches.default.match(cacheKey)).toBeDefined();
    };
    await cacheIt();
    // An approval purges too: a d_ placeholder may have been cached while the asset was rejected.
    await api('POST', `resources/image/upload/${id}`, 'moderation_status=approved');
    expect(await caches.default.match(cacheKey)).toBeUndefined();
    await cacheIt();
    const res = await api('POST', `resources/image/upload/${id}`, 'moderation_status=rejected');
    expect(res.body.moderation[0].status).toBe('rejected');
    expect(await caches.default.match(cacheKey)).toBeUndefined();
  });

  it('pages through a listing while assets are added, without repeats or gaps', async () => {
    const tag = uid('keyset');
    const initial: string[] = [];
    for (let i = 0; i < 23; i++) {
      const id = `${tag}_${String(i).padStart(2, '0')}`;
      initial.push(id);
      await store(ref(id), bytesOf(i), { tags: [tag] });
    }
    for (const direction of ['asc', 'desc']) {
      const seen: string[] = [];
      let cursor = '';
      let n = 0;
      do {
        const res = await api(
          'GET',
          `resources/image/tags/${tag}?max_results=5&direction=${direction}${cursor ? `&next_cursor=${cursor}` : ''}`,
        );
        seen.push(...res.body.resources.map((r: { public_id: string }) => r.public_id));
        cursor = res.body.next_cursor ?? '';
        await store(ref(`${tag}_new_${direction}_${n++}`), bytesOf(1), { tags: [tag] });
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of initial) expect(seen).toContain(id);
    }
  }, 60_000);

  it('bulk deletes go in batches of 100 with partial and next_cursor, and purge the cache', async () => {
    const tag = uid('bulk');
    await store(ref(`${tag}_0`), bytesOf(0), { tags: [tag] });
    // The other 102 as index rows only (their bytes play no part in paging).
    const ids = Array.from({ length: 102 }, (_, i) => `${tag}_${i + 1}`);
    await env.DB.prepare(
      `INSERT INTO resources (cloud, resource_type, type, public_id, asset_id, version, version_id, r2_key, format, content_type, bytes, etag, created_at, uploaded_at)
       SELECT 'demo', 'image', 'upload', value, lower(hex(randomblob(16))), 1, 'v', 'o/none', 'png', 'image/png', 1, 'e', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
       FROM json_each(?)`,
    )
      .bind(JSON.stringify(ids))
      .run();
    await env.DB.prepare(
      `INSERT INTO resource_tags (resource_id, cloud, tag) SELECT id, cloud, ? FROM resources WHERE cloud = 'demo' AND public_id IN (SELECT value FROM json_each(?))`,
    )
      .bind(tag, JSON.stringify(ids))
      .run();
    const cacheKey = `http://w/demo/image/upload/${tag}_0.png?bulk`;
    await caches.default.put(cacheKey, new Response('cached', { headers: { 'Cache-Control': 'max-age=3600' } }));
    await env.DB.prepare(
      'INSERT INTO cache_entries (cache_key, cloud, resource_type, type, public_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    )
      .bind(cacheKey, 'demo', 'image', 'upload', `${tag}_0`, Date.now())
      .run();

    const first = await api('DELETE', `resources/image/tags/${tag}`, 'invalidate=true');
    expect(first.body.partial).toBe(true);
    expect(first.body.next_cursor).toBeTypeOf('string');
    expect(Object.keys(first.body.deleted)).toHaveLength(100);
    expect(await caches.default.match(cacheKey)).toBeUndefined();
    const second = await api('DELETE', `resources/image/tags/${tag}`, `next_cursor=${first.body.next_cursor}`);
    expect(second.body.partial).toBe(false);
    expect(second.body.next_cursor).toBeUndefined();
    const all = new Set([...Object.keys(first.body.deleted), ...Object.keys(second.body.deleted)]);
    expect(all.size).toBe(103);
    expect((await api('GET', `resources/image/tags/${tag}`)).body.resources).toEqual([]);
  }, 60_000);

  it('update_access_mode is left to its own endpoint, not taken for a public id', async () => {
    const res = await api('POST', 'resources%2Fimage%2Fupload%2Fupdate_access_mode', 'access_mode=public&prefix=no_such_prefix_/');
    expect(res.body).toEqual({ updated: [], failed: [] });
  });
});
