import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { listAll } from '../../src/storage/assets';
import { moveAssetsBelow } from '../../src/storage/folder-moves';
import { assetPrefix } from '../../src/storage/keys';
import { getResource, getTags } from '../../src/storage/resources';
import { runFolderRenameJob } from '../../src/services/folders/folders';
import { PermanentJobError } from '../../src/services/jobs/errors';
import { storeAsset, uniq } from '../support/worker-assets';

const ref = (publicId: string) => ({ cloud: 'demo', resourceType: 'raw', type: 'upload', publicId });
const renamer = (from: string, to: string) => (id: string) => to + id.slice(from.length);

describe('a batch of a fixed folder rename', () => {
  it('moves at most `limit` assets: bytes under new keys, rows in one batch, old originals and derived gone', async () => {
    const root = uniq('fm');
    const ids = ['a', 'b', 'c', 'd', 'e'].map((n) => `${root}/old/${n}.txt`);
    const stored = [];
    for (const id of ids) stored.push((await storeAsset({ ref: ref(id), data: new TextEncoder().encode(id), tags: ['keep'] })).resource);
    await env.BUCKET.put(`${assetPrefix('d', ref(ids[0]))}1/derived`, 'x');

    const first = await moveAssetsBelow(env, 'demo', `${root}/old`, 3, renamer(`${root}/old`, `${root}/new`));
    expect(first.found).toBe(3);
    expect(first.moved.map((m) => [m.from, m.to])).toEqual(ids.slice(0, 3).map((id) => [id, id.replace('/old/', '/new/')]));
    const second = await moveAssetsBelow(env, 'demo', `${root}/old`, 3, renamer(`${root}/old`, `${root}/new`));
    expect(second.found).toBe(2);
    expect(await moveAssetsBelow(env, 'demo', `${root}/old`, 3, renamer(`${root}/old`, `${root}/new`))).toEqual({ found: 0, moved: [] });

    for (const [i, id] of ids.entries()) {
      const to = id.replace('/old/', '/new/');
      expect(await getResource(env.DB, ref(id))).toBeNull();
      const row = await getResource(env.DB, ref(to));
      expect(row).toMatchObject({ id: stored[i].id, asset_id: stored[i].asset_id });
      expect(row!.version).toBeGreaterThanOrEqual(stored[i].version);
      expect(row!.r2_key.startsWith(assetPrefix('o', ref(to)))).toBe(true);
      expect(await (await env.BUCKET.get(row!.r2_key))!.text()).toBe(id);
      expect(await getTags(env.DB, row!.id)).toEqual(['keep']);
      expect(await listAll(env.BUCKET, assetPrefix('o', ref(id)))).toEqual([]);
    }
    expect(await listAll(env.BUCKET, assetPrefix('d', ref(ids[0])))).toEqual([]);
  });

  it('refuses a batch whose new public id is taken before moving anything, and the job stops for good', async () => {
    const root = uniq('fm');
    const ids = ['a', 'b'].map((n) => `${root}/x/${n}.txt`);
    for (const id of ids) await storeAsset({ ref: ref(id) });
    await storeAsset({ ref: ref(`${root}/y/b.txt`) });
    const err = await runFolderRenameJob(env, { kind: 'folder_rename', cloud: 'demo', from: `${root}/x`, to: `${root}/y` }).catch((e) => e);
    expect(err).toBeInstanceOf(PermanentJobError);
    expect((err as Error).message).toContain(`to_public_id ${root}/y/b.txt already exists`);
    for (const id of ids) expect(await getResource(env.DB, ref(id))).not.toBeNull();
    expect(await getResource(env.DB, ref(`${root}/y/a.txt`))).toBeNull();
    expect(await listAll(env.BUCKET, assetPrefix('o', ref(`${root}/y/a.txt`)))).toEqual([]);
  });
});
