import { describe, expect, it } from 'vitest';
import { loadSdk, sdkFailure as failure, uid } from '../support/sdk';
import { OTHER } from '../support/clouds';
import { fixtureDataUri } from '../support/fixtures';

const otherCloud = { cloud_name: OTHER.cloud_name, api_key: OTHER.api_key, api_secret: OTHER.api_secret };
const png = fixtureDataUri('alpha.png', 'image/png');

describe('Admin API configuration through the SDK', async () => {
  const { cloudinary } = await loadSdk();

  it('creates, reads, updates, lists and deletes upload presets', async () => {
    const name = uid('preset');
    const created = await cloudinary.api.create_upload_preset({ name, use_asset_folder_as_public_id_prefix: true });
    expect(created).toMatchObject({ message: 'created', name });
    const got = await cloudinary.api.upload_preset(name);
    expect(got.name).toBe(name);
    expect(got.unsigned).toBe(false);
    expect(got.settings).toEqual({ use_asset_folder_as_public_id_prefix: true });

    await cloudinary.api.update_upload_preset(name, {
      folder: 'f1',
      tags: ['a', 'b'],
      transformation: { width: 100, crop: 'scale' },
      unsigned: true,
      disallow_public_id: true,
    });
    const updated = await cloudinary.api.upload_preset(name);
    expect(updated.unsigned).toBe(true);
    expect(updated.settings).toEqual({
      use_asset_folder_as_public_id_prefix: true,
      folder: 'f1',
      tags: 'a,b',
      transformation: 'c_scale,w_100',
      disallow_public_id: true,
    });

    const generated = await cloudinary.api.create_upload_preset({ folder: 'upload_folder', unsigned: true, tags: ['x'], live: true });
    expect(generated.name).toMatch(/^[a-z0-9]+$/);
    const listed = await cloudinary.api.upload_presets({ max_results: 500 });
    const names = listed.presets.map((p: { name: string }) => p.name);
    expect(names).toContain(name);
    expect(names).toContain(generated.name);
    expect(listed.presets.find((p: { name: string }) => p.name === generated.name).settings).toEqual({
      folder: 'upload_folder',
      tags: 'x',
      live: true,
    });

    // Another cloud has its own presets.
    expect((await failure(cloudinary.api.upload_preset(name, otherCloud))).http_code).toBe(404);
    expect(
      (await cloudinary.api.upload_presets({ ...otherCloud, max_results: 500 })).presets.map((p: { name: string }) => p.name),
    ).not.toContain(name);

    expect((await failure(cloudinary.api.create_upload_preset({ name }))).http_code).toBe(409);
    expect(await cloudinary.api.delete_upload_preset(name)).toMatchObject({ message: 'deleted' });
    expect(await cloudinary.api.delete_upload_preset(generated.name)).toMatchObject({ message: 'deleted' });
    expect((await failure(cloudinary.api.upload_preset(name))).http_code).toBe(404);
    expect((await failure(cloudinary.api.delete_upload_preset(name))).http_code).toBe(404);
  });

  it('pages through upload presets', async () => {
    const prefix = uid('pp');
    for (const n of ['1', '2', '3']) await cloudinary.api.create_upload_preset({ name: `${prefix}_${n}`, folder: n });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await cloudinary.api.upload_presets({ max_results: 2, next_cursor: cursor });
      seen.push(...page.presets.map((p: { name: string }) => p.name));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.filter((n) => n.startsWith(prefix))).toEqual([`${prefix}_1`, `${prefix}_2`, `${prefix}_3`]);
    expect(new Set(seen).size).toBe(seen.length);
    for (const n of ['1', '2', '3']) await cloudinary.api.delete_upload_preset(`${prefix}_${n}`);
  });

  it('creates, reads, updates and deletes named transformations', async () => {
    const name = uid('nt');
    expect(await cloudinary.api.create_transformation(name, { crop: 'scale', width: 102 })).toMatchObject({ message: 'created' });
    const got = await cloudinary.api.transformation(name);
    expect(got.allowed_for_strict).toBe(true);
    expect(got.named).toBe(true);
    expect(got.used).toBe(false);
    expect(got.info).toEqual([{ crop: 'scale', width: 102 }]);
    expect(got.derived).toEqual([]);

    const listed = await cloudinary.api.transformations({ max_results: 500 });
    const entry = listed.transformations.find((t: { name: string }) => t.name === `t_${name}`);
    expect(entry).toEqual({ name: `t_${name}`, allowed_for_strict: true, used: false, named: true });
    expect(
      (await cloudinary.api.transformations({ named: false, max_results: 500 })).transformations.map((t: { name: string }) => t.name),
    ).not.toContain(`t_${name}`);

    await cloudinary.api.update_transformation(name, { allowed_for_strict: false });
    expect((await cloudinary.api.transformation(name)).allowed_for_strict).toBe(false);
    await cloudinary.api.update_transformation(name, { unsafe_update: { crop: 'scale', width: 103 } });
    expect((await cloudinary.api.transformation(name)).info).toEqual([{ crop: 'scale', width: 103 }]);

    const empty = uid('nt');
    await cloudinary.api.create_transformation(empty, { crop: 'scale', width: 102, format: '' });
    expect((await cloudinary.api.transformation(empty)).info).toEqual([{ crop: 'scale', width: 102, extension: 'none' }]);

    expect((await failure(cloudinary.api.create_transformation(name, { width: 5 }))).http_code).toBe(409);
    expect((await failure(cloudinary.api.transformation(name, otherCloud))).http_code).toBe(404);
    expect(await cloudinary.api.delete_transformation(name)).toMatchObject({ message: 'deleted' });
    await cloudinary.api.delete_transformation(empty);
    expect((await failure(cloudinary.api.transformation(name))).http_code).toBe(404);
  });

  it('keeps allowed_for_strict for an unnamed transformation, decoded by definition', async () => {
    const definition = { width: 100, crop: 'scale', overlay: `text:Arial_60:${uid('T')}` };
    expect((await failure(cloudinary.api.transformation(definition))).http_code).toBe(404);
    await cloudinary.api.update_transformation(definition, { allowed_for_strict: true });
    const got = await cloudinary.api.transformation(definition);
    expect(got.named).toBe(false);
    expect(got.allowed_for_strict).toBe(true);
    expect(got.info).toEqual([definition]);
    expect(got.name).toBe(cloudinary.utils.generate_transformation_string({ ...definition }));
    await cloudinary.api.delete_transformation(definition);
    expect((await failure(cloudinary.api.transformation(definition))).http_code).toBe(404);
  });

  it("reports usage with exactly Cloudinary's keys, counting stored bytes and delivery requests", async () => {
    const keys = [
      'plan',
      'last_updated',
      'transformations',
      'objects',
      'bandwidth',
      'storage',
      'requests',
      'resources',
      'derived_resources',
      'media_limits',
    ];
    const before = await cloudinary.api.usage();
    expect(
      Object.keys(before)
        .filter((k) => !k.startsWith('rate_limit'))
        .sort(),
    ).toEqual([...keys].sort());
    const up = await cloudinary.uploader.upload(png, { public_id: uid('usage') });
    for (let i = 0; i < 3; i++) expect((await fetch(up.url)).status).toBe(200);
    const after = await cloudinary.api.usage();
    expect(after.resources).toBeGreaterThanOrEqual(before.resources + 1);
    expect(after.storage.usage).toBeGreaterThanOrEqual(before.storage.usage + up.bytes);
    expect(after.requests).toBeGreaterThanOrEqual(before.requests + 3);
    expect(after.bandwidth.usage).toBeGreaterThanOrEqual(before.bandwidth.usage + 3 * up.bytes);
    expect(after.bandwidth).toHaveProperty('limit');

    const today = new Date();
    const dd = String(today.getUTCDate()).padStart(2, '0');
    const mm = String(today.getUTCMonth() + 1).padStart(2, '0');
    const daily = await cloudinary.api.usage({ date: `${dd}-${mm}-${today.getUTCFullYear()}` });
    expect(
      Object.keys(daily)
        .filter((k) => !k.startsWith('rate_limit'))
        .sort(),
    ).toEqual([...keys].sort());
    expect(daily.bandwidth).not.toHaveProperty('limit');
    expect(daily.bandwidth).not.toHaveProperty('used_percent');
    expect(daily.requests).toBeGreaterThanOrEqual(3);
    expect((await failure(cloudinary.api.usage({ date: 'yesterday' }))).http_code).toBe(400);

    // Another cloud's credentials read that cloud's usage (its figures move with other test files, so only the shape is checked).
    const other = await cloudinary.api.usage(otherCloud);
    expect(
      Object.keys(other)
        .filter((k) => !k.startsWith('rate_limit'))
        .sort(),
    ).toEqual([...keys].sort());
  });
});
