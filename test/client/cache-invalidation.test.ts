import { describe, expect, inject, it } from 'vitest';
import { basicAuth, DEMO, THIRD } from '../support/clouds';
import { uid } from '../support/sdk';
import { get, otherPhoto, photo, untilHit, upload, uploadApi } from '../support/cache';

const base = inject('workerUrl');

/**
 * `invalidate=true` through the Upload API, by every method, under both values
 * of `invalidate_versioned_urls`, for ids in and out of folders: exactly
 * Cloudinary's rules (src/services/cache/purge.ts). `demo` keeps the default (off); `third` turns it on.
 */
describe('invalidation through the Upload API', () => {
  async function setInvalidateVersioned(c: typeof DEMO, value: boolean) {
    const res = await fetch(`${base}/v1_1/${c.cloud_name}/settings`, {
      method: 'PUT',
      headers: { Authorization: basicAuth(c), 'Content-Type': 'application/json' },
      body: JSON.stringify({ invalidate_versioned_urls: value }),
    });
    expect(res.status).toBe(200);
  }

  /** Each method: what it does with invalidate=true, and how the old answers are then told from new ones. */
  const METHODS: Record<string, (c: typeof DEMO, id: string) => Promise<void>> = {
    'upload (overwrite)': async (c, id) => {
      await upload(base, c, id, { bytes: otherPhoto, extra: { overwrite: 'true', invalidate: 'true' } });
    },
    explicit: async (c, id) => {
      await uploadApi(base, c, 'explicit', { public_id: id, type: 'upload', invalidate: 'true', tags: 'explicit' });
    },
    destroy: async (c, id) => {
      expect((await uploadApi(base, c, 'destroy', { public_id: id, invalidate: 'true' })).result).toBe('ok');
    },
    rename: async (c, id) => {
      await uploadApi(base, c, 'rename', { from_public_id: id, to_public_id: `${id}_renamed`, invalidate: 'true' });
    },
  };

  for (const [cloud, setting] of [
    [DEMO, false],
    [THIRD, true],
  ] as const) {
    for (const folder of [false, true]) {
      for (const [method, run] of Object.entries(METHODS)) {
        it(`${method}, invalidate_versioned_urls=${setting}, ${folder ? 'in a folder' : 'not in a folder'}`, async () => {
          await setInvalidateVersioned(cloud, setting);
          const id = folder ? `${uid('inv')}/sub/photo` : uid('inv');
          const up = await upload(base, cloud, id);
          const at = (form: string, t = '') => `${base}/${cloud.cloud_name}/image/upload/${t}${form === 'none' ? '' : `${form}/`}${id}.jpg`;
          // Each version form, delivered as the original and as a derived image.
          const urls = ['none', 'v1', `v${up.version}`, 'v42'].flatMap((form) => [
            { form, url: at(form) },
            { form, url: at(form, 'c_scale,w_40/') },
          ]);
          const before = new Map<string, Buffer>();
          for (const { url } of urls) {
            expect((await get(url)).cache).toBe('MISS');
            before.set(url, (await untilHit(url)).body);
          }
          await run(cloud, id);
          // Where the asset is gone, a new upload under its id tells a removed entry (new bytes) from a kept one.
          if (method === 'destroy' || method === 'rename') await upload(base, cloud, id, { bytes: otherPhoto });
          const invalidated = setting ? `v${up.version}` : folder ? 'v1' : 'none';
          // Destroy and rename purge every answer of the asset, invalidate or not (hits no longer re-read D1); the
          // table of invalidated forms applies to overwrite and explicit.
          const everything = method === 'destroy' || method === 'rename';
          for (const { form, url } of urls) {
            const r = await get(url);
            const purged = everything || form === invalidated;
            expect(r.status, url).toBe(200);
            expect(r.cache, url).toBe(purged ? 'MISS' : 'HIT');
            if (!purged) expect(r.body.equals(before.get(url)!), url).toBe(true);
            else if (method !== 'explicit') expect(r.body.equals(before.get(url)!), url).toBe(false);
          }
        });
      }
    }
  }

  it('does not invalidate without invalidate=true', async () => {
    await setInvalidateVersioned(DEMO, false);
    const id = uid('noinv');
    await upload(base, DEMO, id);
    const url = `${base}/demo/image/upload/${id}.jpg`;
    await get(url);
    await untilHit(url);
    await uploadApi(base, DEMO, 'explicit', { public_id: id, type: 'upload', tags: 'x' });
    await upload(base, DEMO, id, { bytes: otherPhoto, extra: { overwrite: 'true' } });
    const r = await get(url);
    expect(r.cache).toBe('HIT');
    expect(r.body.equals(photo)).toBe(true);
  });
});
