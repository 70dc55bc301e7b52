import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { destroyAsset, listAll, renameAsset, updateAsset } from '../../src/storage/assets';
import { apiErrorResponse, deliveryErrorResponse, DomainError } from '../../src/errors';
import { assetPrefix, originalKey } from '../../src/storage/keys';
import { getResource, getTags, getContext } from '../../src/storage/resources';
import { storeAsset, uniq } from '../support/worker-assets';

const ref = (publicId: string, cloud = 'demo', type = 'upload') => ({ cloud, resourceType: 'raw', type, publicId });

describe('storage model', () => {
  it('writes bytes and row that agree, with tags and context', async () => {
    const a = ref(`${uniq()}/file.txt`);
    const data = new TextEncoder().encode('hello');
    const { resource, overwritten } = await storeAsset({ ref: a, data, tags: ['x', 'y'], context: { alt: 'a=b' } });
    expect(overwritten).toBe(false);
    const obj = await env.BUCKET.get(resource.r2_key);
    expect(await obj!.text()).toBe('hello');
    expect(resource.bytes).toBe(5);
    expect(resource.etag).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(resource.r2_key.startsWith(assetPrefix('o', a))).toBe(true);
    expect(await getTags(env.DB, resource.id)).toEqual(['x', 'y']);
    expect(await getContext(env.DB, resource.id)).toEqual({ alt: 'a=b' });
  });

  it('gives every overwrite a greater version, even within one second, and keeps the asset id', async () => {
    const a = ref(uniq());
    const now = new Date();
    const first = (await storeAsset({ ref: a, now })).resource;
    const second = await storeAsset({ ref: a, now });
    const third = await storeAsset({ ref: a, now });
    expect(second.resource.version).toBeGreaterThan(first.version);
    expect(third.resource.version).toBeGreaterThan(second.resource.version);
    expect(third.resource.asset_id).toBe(first.asset_id);
    expect(second.overwritten).toBe(true);
    // superseded originals are gone: only the current object remains
    expect(await listAll(env.BUCKET, assetPrefix('o', a))).toEqual([third.resource.r2_key]);
  });

  it('keeps the existing asset when overwrite is false', async () => {
    const a = ref(uniq());
    const first = (await storeAsset({ ref: a })).resource;
    const again = await storeAsset({ ref: a, overwrite: false });
    expect(again.existing).toBe(true);
    expect(again.resource.version).toBe(first.version);
    expect(await listAll(env.BUCKET, assetPrefix('o', a))).toEqual([first.r2_key]);
  });

  it('leaves one consistent asset and no orphans after parallel writes to one public id', async () => {
    const a = ref(uniq());
    const bodies = Array.from({ length: 8 }, (_, i) => new TextEncoder().encode(`writer ${i} `.repeat(100 + i)));
    const results = await Promise.all(bodies.map((data) => storeAsset({ ref: a, data })));
    const row = (await getResource(env.DB, a))!;
    const keys = await listAll(env.BUCKET, assetPrefix('o', a));
    expect(keys).toEqual([row.r2_key]);
    const stored = new Uint8Array(await (await env.BUCKET.get(row.r2_key))!.arrayBuffer());
    expect(stored.length).toBe(row.bytes);
    const md5 = [...new Uint8Array(await crypto.subtle.digest('MD5', stored))].map((b) => b.toString(16).padStart(2, '0')).join('');
    expect(md5).toBe(row.etag);
    expect(new Set(results.map((r) => r.resource.version)).size).toBeGreaterThanOrEqual(1);
    expect(row.version).toBe(Math.max(...results.map((r) => r.resource.version)));
  });

  it('never mixes clouds or types: the same public id lives apart', async () => {
    const id = uniq();
    const inDemo = (await storeAsset({ ref: ref(id, 'demo'), data: new TextEncoder().encode('demo') })).resource;
    const inOther = (await storeAsset({ ref: ref(id, 'other'), data: new TextEncoder().encode('other') })).resource;
    const priv = (await storeAsset({ ref: ref(id, 'demo', 'private'), data: new TextEncoder().encode('private') })).resource;
    expect(new Set([inDemo.r2_key, inOther.r2_key, priv.r2_key]).size).toBe(3);
    expect(await (await env.BUCKET.get(inOther.r2_key))!.text()).toBe('other');
    expect((await getResource(env.DB, ref(id, 'other')))!.id).not.toBe(inDemo.id);
  });

  it('encodes public ids so that no two assets share a key prefix', () => {
    const k1 = originalKey(ref('a'), 5, 'x');
    const k2 = originalKey(ref('a/5-x'), 1, 'y');
    expect(k2.startsWith(assetPrefix('o', ref('a')))).toBe(false);
    expect(k1).not.toBe(k2);
  });

  it('destroys the row first and then the bytes; with backup the bytes stay as a revision', async () => {
    const a = ref(uniq());
    const r = (await storeAsset({ ref: a })).resource;
    expect((await destroyAsset(env, a))!.id).toBe(r.id);
    expect(await getResource(env.DB, a)).toBeNull();
    expect(await env.BUCKET.head(r.r2_key)).toBeNull();
    expect(await destroyAsset(env, a)).toBeNull();

    const b = ref(uniq());
    const first = (await storeAsset({ ref: b })).resource;
    const second = (await storeAsset({ ref: b, backup: true })).resource;
    await destroyAsset(env, b, { backup: true });
    const revisions = await env.DB.prepare(
      'SELECT version, r2_key, reason FROM revisions WHERE cloud = ? AND public_id = ? ORDER BY version',
    )
      .bind('demo', b.publicId)
      .all<{ version: number; r2_key: string; reason: string }>();
    expect(revisions.results.map((x) => [x.version, x.reason])).toEqual([
      [first.version, 'overwrite'],
      [second.version, 'delete'],
    ]);
    for (const rev of revisions.results) expect(await env.BUCKET.head(rev.r2_key)).not.toBeNull();
  });

  it("reports what went wrong as a domain error, which the HTTP edge answers with Cloudinary's status", async () => {
    const a = ref(`${uniq()}/a.txt`);
    const b = ref(`${uniq()}/b.txt`);
    await storeAsset({ ref: a, data: new TextEncoder().encode('a') });
    await storeAsset({ ref: b, data: new TextEncoder().encode('b') });
    const taken = await renameAsset(env, a, b, { overwrite: false }).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(DomainError);
    expect(taken).toMatchObject({ kind: 'already_exists', message: `to_public_id ${b.publicId} already exists` });
    const answer = apiErrorResponse(taken, 'admin');
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error: { message: `to_public_id ${b.publicId} already exists` } });
    const missing = await renameAsset(env, ref(`${uniq()}/none.txt`), ref(`${uniq()}/x.txt`), { overwrite: false }).catch(
      (e: unknown) => e,
    );
    expect(missing).toMatchObject({ kind: 'not_found' });
    expect(deliveryErrorResponse(missing).status).toBe(404);
  });

  it('updates an asset through the asset service: tags and context replaced, moderation only for the version it was read at', async () => {
    const a = ref(`${uniq()}/u.txt`);
    const { resource } = await storeAsset({ ref: a, data: new TextEncoder().encode('1'), tags: ['old'] });
    await updateAsset(env.DB, resource, { tags: ['n', 'n', 'm'], context: { k: 'v' }, displayName: 'shown' });
    expect(await getTags(env.DB, resource.id)).toEqual(['m', 'n']);
    expect(await getContext(env.DB, resource.id)).toEqual({ k: 'v' });
    expect((await getResource(env.DB, a))?.display_name).toBe('shown');
    await storeAsset({ ref: a, data: new TextEncoder().encode('2'), overwrite: true });
    await updateAsset(env.DB, resource, { moderationStatus: 'rejected' });
    expect((await getResource(env.DB, a))?.moderation_status).toBeNull();
  });
});
