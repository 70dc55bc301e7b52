/// <reference types="vite/client" />
import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { storeAsset, uniq } from '../support/worker-assets';
import { setModerationStatus, parseModerationStatus } from '../../src/services/moderation/status';
import { parseModeration } from '../../src/services/moderation/kinds';
import { listRevisions, restoreRevision } from '../../src/services/backup/revisions';
import { destroyAsset } from '../../src/storage/assets';
import { getResource } from '../../src/storage/resources';
import { parseTransformation } from '../../src/engine/parse';
import { Params } from '../../src/protocol/params';

const FILES = import.meta.glob('../fixtures/*.{jpg,png}', { query: '?inline', import: 'default', eager: true }) as Record<string, string>;
const fixture = (name: string) => Uint8Array.from(atob(FILES[`../fixtures/${name}`].split(',')[1]), (c) => c.charCodeAt(0));

const photo = fixture('photo-1mp.jpg');
const alpha = fixture('alpha.png');

async function storeImage(
  publicId: string,
  data: Uint8Array,
  extra: Parameters<typeof storeAsset>[0] extends infer P ? Partial<P> : never = {},
) {
  const png = data[0] === 0x89;
  return (
    await storeAsset({
      ref: { cloud: 'demo', resourceType: 'image', type: 'upload', publicId },
      data,
      contentType: png ? 'image/png' : 'image/jpeg',
      format: png ? 'png' : 'jpg',
      width: png ? 782 : 1152,
      height: png ? 687 : 864,
      ...extra,
    })
  ).resource;
}

/** Compares bytes by digest: a failing toEqual on large arrays takes vitest minutes to print. */
const md5 = async (b: ArrayBuffer | Uint8Array) =>
  [...new Uint8Array(await crypto.subtle.digest('MD5', b))].map((x) => x.toString(16).padStart(2, '0')).join('');
const ref = (publicId: string) => ({ cloud: 'demo', resourceType: 'image', type: 'upload', publicId });
const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
/** The status of a delivery, its body read to the end (an unread body keeps the test's worker busy). */
async function status(path: string): Promise<number> {
  const res = await get(path);
  await res.arrayBuffer();
  return res.status;
}

// Delivery runs the transformation engine here: allow for a loaded machine.
describe('moderation', { timeout: 30_000 }, () => {
  it('a rejected asset is not delivered; d_ serves the default image instead; approval brings it back', async () => {
    const id = uniq('mod');
    const fallback = uniq('placeholder');
    await storeImage(id, photo, { moderation: { kind: 'manual', status: 'pending' } });
    await storeImage(fallback, alpha);

    expect(await status(`${id}.jpg`)).toBe(200); // pending assets are delivered

    const rejected = await setModerationStatus(env, ref(id), 'rejected');
    expect(rejected).toMatchObject({ moderation_kind: 'manual', moderation_status: 'rejected' });
    const denied = await get(`${id}.jpg`);
    expect(denied.status).toBe(404);
    expect(denied.headers.get('X-Cld-Error')).toMatch(/rejected/);
    await denied.body?.cancel();

    const placeholder = await get(`d_${fallback}.png/${id}`);
    expect(placeholder.status).toBe(200);
    expect(placeholder.headers.get('Content-Type')).toBe('image/png');
    expect(await md5(await placeholder.arrayBuffer())).toBe(await md5(alpha));

    const resized = await get(`d_${fallback}.png,w_100/${id}.jpg`);
    expect(resized.status).toBe(200);
    expect(resized.headers.get('Content-Type')).toBe('image/jpeg');
    await resized.arrayBuffer();

    await setModerationStatus(env, ref(id), 'approved');
    const back = await get(`${id}.jpg`);
    expect(back.status).toBe(200);
    expect(await md5(await back.arrayBuffer())).toBe(await md5(photo));
    // With d_ the asset itself is transformed (d_ changes no pixels): a JPEG of the photo's size.
    const withDefault = await get(`d_${fallback}.png/${id}.jpg`);
    expect(withDefault.headers.get('Content-Type')).toBe('image/jpeg');
    expect(await md5(await withDefault.arrayBuffer())).not.toBe(await md5(alpha));
  });

  it('d_ also stands in for a missing asset, and a missing default is a 404 of the original', async () => {
    const fallback = uniq('placeholder');
    await storeImage(fallback, alpha);
    expect(await status(`d_${fallback}.png/${uniq('missing')}.png`)).toBe(200);
    const none = await get(`d_${uniq('nodefault')}/${uniq('missing')}.png`);
    expect(none.status).toBe(404);
    expect(none.headers.get('X-Cld-Error')).toMatch(/Resource not found/);
    await none.body?.cancel();
  });

  it('d_ parses folders written with ":" and an extension, and refuses paths that climb', () => {
    expect(parseTransformation('d_avatars:anon.png,w_10').components[0].params.d).toEqual({ publicId: 'avatars/anon', format: 'png' });
    expect(parseTransformation('d_anon').canonical).toBe('d_anon');
    expect(() => parseTransformation('d_..:x')).toThrow(/Invalid default image/);
  });

  it('setting the same status again changes nothing; unknown assets and statuses are errors', async () => {
    const id = uniq('mod');
    const before = await storeImage(id, photo, { moderation: { kind: 'manual', status: 'pending' } });
    const same = await setModerationStatus(env, ref(id), 'pending');
    expect(same.moderation_updated_at).toBe(before.moderation_updated_at);
    await expect(setModerationStatus(env, ref(uniq('none')), 'approved')).rejects.toThrow(/Resource not found/);
    expect(() => parseModerationStatus('maybe')).toThrow(/moderation_status/);
  });

  it('moderation=manual is pending; add-on kinds are refused', () => {
    expect(parseModeration(new Params({ moderation: 'manual' }))).toEqual({ kind: 'manual', status: 'pending' });
    expect(parseModeration(new Params({}))).toBeNull();
    expect(() => parseModeration(new Params({ moderation: 'aws_rek' }))).toThrow(/not available/);
    expect(() => parseModeration(new Params({ moderation: 'bogus' }))).toThrow(/Invalid moderation kind/);
  });
});

describe('backups and revisions', () => {
  it('every overwritten original is kept; a restore makes it current as a new version', async () => {
    const id = uniq('bak');
    const v1 = await storeImage(id, photo, { backup: true, tags: ['keep'] });
    const v2 = await storeImage(id, alpha, { backup: true, tags: ['keep'] });
    expect(v2.version).toBeGreaterThan(v1.version);

    const revs = await listRevisions(env.DB, ref(id));
    expect(revs.map((r) => [r.version, r.reason, r.etag])).toEqual([[v1.version, 'overwrite', v1.etag]]);
    expect(await env.BUCKET.head(revs[0].r2_key)).not.toBeNull();

    const restored = await restoreRevision(env, ref(id), revs[0].version_id);
    expect(restored.version).toBeGreaterThan(v2.version);
    expect(restored.etag).toBe(v1.etag);
    expect(restored.format).toBe('jpg');
    const delivered = await get(`v${restored.version}/${id}.jpg`);
    expect(await md5(await delivered.arrayBuffer())).toBe(await md5(photo));
    // The version the restore replaced is itself a revision now.
    expect((await listRevisions(env.DB, ref(id))).map((r) => r.version)).toEqual([v1.version, v2.version]);
  });

  it('a deleted asset with backup can be restored; without backup nothing is kept', async () => {
    const id = uniq('bak');
    const v1 = await storeImage(id, photo, { backup: true });
    await destroyAsset(env, ref(id));
    expect(await getResource(env.DB, ref(id))).toBeNull();
    expect((await listRevisions(env.DB, ref(id))).map((r) => r.reason)).toEqual(['delete']);
    const restored = await restoreRevision(env, ref(id), v1.version);
    expect(restored.etag).toBe(v1.etag);
    expect(await status(`${id}.jpg`)).toBe(200);

    const plain = uniq('nobak');
    await storeImage(plain, photo);
    await storeImage(plain, alpha);
    expect(await listRevisions(env.DB, ref(plain))).toEqual([]);
    await expect(restoreRevision(env, ref(plain))).rejects.toThrow(/No backed up version/);
    await expect(restoreRevision(env, ref(id), 12345)).rejects.toThrow(/Version 12345/);
  });
});
