import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { asImplemented, loadSdk, sdkFailure as failure, uid } from '../support/sdk';
import { DYNAMIC, basicAuth } from '../support/clouds';

const png = `data:image/png;base64,${readFileSync(new URL('../fixtures/alpha.png', import.meta.url)).toString('base64')}`;
const dynamicCloud = { cloud_name: DYNAMIC.cloud_name, api_key: DYNAMIC.api_key, api_secret: DYNAMIC.api_secret };

const paths = (r: { folders: { path: string }[] }) => r.folders.map((f) => f.path);

describe('Folders through the SDK', async () => {
  const { cloudinary } = await loadSdk();
  const base = inject('workerUrl');

  beforeAll(async () => {
    const res = await fetch(`${base}/v1_1/${DYNAMIC.cloud_name}/settings`, {
      method: 'PUT',
      headers: { Authorization: basicAuth(DYNAMIC), 'Content-Type': 'application/json' },
      body: JSON.stringify({ folder_mode: 'dynamic' }),
    });
    expect(res.status).toBe(200);
  });

  it('config reports the folder mode of each cloud', async () => {
    const fixed = await cloudinary.api.config({ settings: true });
    expect(fixed).toMatchObject({ cloud_name: 'demo', settings: { folder_mode: 'fixed' } });
    expect(fixed.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const dynamic = await cloudinary.api.config({ settings: true, ...dynamicCloud });
    expect(dynamic).toMatchObject({ cloud_name: 'dynamic', settings: { folder_mode: 'dynamic' } });
  });

  it('fixed mode: folders are public-id paths; list root and sub folders with paging, create, rename and delete', async () => {
    const root = uid('fold');
    for (const id of ['a/x', 'a/b/y', 'a/c/z', 'd/w']) await cloudinary.uploader.upload(png, { public_id: `${root}/${id}` });
    // Overwriting an asset in a folder (an upsert of its row) keeps working with the folder triggers.
    const again = await cloudinary.uploader.upload(png, { public_id: `${root}/a/x`, overwrite: true, asset_folder: `${root}/a` });
    expect(again.overwritten).toBe(true);
    const rootList = await asImplemented(cloudinary).api.root_folders({ max_results: 500 });
    expect(paths(rootList)).toContain(root);
    expect(rootList.folders.find((f: { path: string }) => f.path === root)).toEqual({ name: root, path: root });

    const sub = await cloudinary.api.sub_folders(root);
    expect(sub.folders).toEqual([
      { name: 'a', path: `${root}/a` },
      { name: 'd', path: `${root}/d` },
    ]);
    expect(sub.total_count).toBe(2);
    const first = await cloudinary.api.sub_folders(`${root}/a`, { max_results: 1 });
    expect(paths(first)).toEqual([`${root}/a/b`]);
    expect(first.total_count).toBe(2);
    const second = await cloudinary.api.sub_folders(`${root}/a`, { max_results: 1, next_cursor: first.next_cursor });
    expect(paths(second)).toEqual([`${root}/a/c`]);
    expect(second.next_cursor).toBeUndefined();

    const missing = await failure(cloudinary.api.sub_folders(`${root}/nope`));
    expect(missing.http_code).toBe(404);
    expect(missing.message).toBe(`Can't find folder with path ${root}/nope`);

    expect(await cloudinary.api.create_folder(`${root}/empty/deeper`)).toMatchObject({
      success: true,
      path: `${root}/empty/deeper`,
      name: 'deeper',
    });
    expect(paths(await cloudinary.api.sub_folders(root))).toEqual([`${root}/a`, `${root}/d`, `${root}/empty`]);
    expect(paths(await cloudinary.api.sub_folders(`${root}/empty`))).toEqual([`${root}/empty/deeper`]);

    const notEmpty = await failure(cloudinary.api.delete_folder(`${root}/a`));
    expect(notEmpty.http_code).toBe(400);
    expect(notEmpty.message).toBe('Folder is not empty');
    expect((await cloudinary.api.delete_folder(`${root}/empty`)).deleted).toEqual([`${root}/empty/deeper`]);
    expect(paths(await cloudinary.api.sub_folders(root))).toEqual([`${root}/a`, `${root}/d`]);

    // Renaming a fixed folder renames its assets: the old URL is gone, the new one serves the same bytes.
    const renamed = await cloudinary.api.rename_folder(`${root}/d`, `${root}/e/f`);
    expect(renamed).toMatchObject({ from: { path: `${root}/d`, name: 'd' }, to: { path: `${root}/e/f`, name: 'f' } });
    const moved = await cloudinary.api.resource(`${root}/e/f/w`);
    expect(moved.public_id).toBe(`${root}/e/f/w`);
    expect((await failure(cloudinary.api.resource(`${root}/d/w`))).http_code).toBe(404);
    expect((await fetch(cloudinary.url(`${root}/e/f/w.png`, { secure: false }))).status).toBe(200);
    expect(paths(await cloudinary.api.sub_folders(root))).toEqual([`${root}/a`, `${root}/e`]);
    expect((await failure(cloudinary.api.rename_folder(`${root}/a`, `${root}/e`))).http_code).toBe(409);
  });

  it('dynamic mode: folder sets only the asset folder; folders are asset folders and move without changing public ids', async () => {
    const root = uid('dyn');
    const up = await cloudinary.uploader.upload(png, { folder: `${root}/one`, public_id: 'pic', ...dynamicCloud });
    expect(up.public_id).toBe('pic');
    expect(up.asset_folder).toBe(`${root}/one`);
    const prefixed = await cloudinary.uploader.upload(png, {
      asset_folder: `${root}/two`,
      use_asset_folder_as_public_id_prefix: true,
      public_id: 'p2',
      ...dynamicCloud,
    });
    expect(prefixed.public_id).toBe(`${root}/two/p2`);
    const withPrefix = await cloudinary.uploader.upload(png, {
      asset_folder: `${root}/two`,
      public_id_prefix: 'pre',
      public_id: 'p3',
      ...dynamicCloud,
    });
    expect(withPrefix.public_id).toBe('pre/p3');

    expect(paths(await cloudinary.api.sub_folders(root, dynamicCloud))).toEqual([`${root}/one`, `${root}/two`]);
    // Public-id paths are not folders in dynamic mode.
    expect(paths(await asImplemented(cloudinary).api.root_folders({ max_results: 500, ...dynamicCloud }))).not.toContain('pre');

    await cloudinary.api.rename_folder(`${root}/one`, `${root}/uno`, dynamicCloud);
    const after = await cloudinary.api.resource(up.public_id, dynamicCloud);
    expect(after.asset_folder).toBe(`${root}/uno`);
    expect(after.public_id).toBe(up.public_id);
    expect(paths(await cloudinary.api.sub_folders(root, dynamicCloud))).toEqual([`${root}/two`, `${root}/uno`]);
    const inFolder = await cloudinary.api.resources_by_asset_folder(`${root}/uno`, dynamicCloud);
    expect(inFolder.resources.map((r: { public_id: string }) => r.public_id)).toEqual([up.public_id]);
    const found = await asImplemented(cloudinary).search.expression(`asset_folder="${root}/uno"`).execute(dynamicCloud);
    expect(found.resources.map((r: { public_id: string }) => r.public_id)).toEqual([up.public_id]);
    const byFolder = await asImplemented(cloudinary).api.search({ expression: `folder="${root}/two"` }, dynamicCloud);
    expect(byFolder.resources.map((r: { public_id: string }) => r.public_id).sort()).toEqual([`${root}/two/p2`, 'pre/p3']);

    expect((await failure(cloudinary.api.delete_folder(`${root}/uno`, dynamicCloud))).message).toBe('Folder is not empty');
    await cloudinary.api.create_folder(`${root}/empty`, dynamicCloud);
    expect((await cloudinary.api.delete_folder(`${root}/empty`, dynamicCloud)).deleted).toEqual([`${root}/empty`]);
  });

  it('search_folders finds folders by name, path and creation time, with paging', async () => {
    const root = uid('sf');
    for (const id of ['red/x', 'red/blue/y', 'green/z']) await cloudinary.uploader.upload(png, { public_id: `${root}/${id}` });
    const byPath = await asImplemented(cloudinary).search_folders.expression(`path:${root}/*`).execute();
    expect(byPath.folders.map((f: { path: string }) => f.path)).toEqual([`${root}/green`, `${root}/red`, `${root}/red/blue`]);
    expect(byPath.total_count).toBe(3);
    expect(byPath.folders[0]).toMatchObject({ name: 'green', path: `${root}/green` });
    expect(byPath.folders[0].created_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const byName = await asImplemented(cloudinary).search_folders.expression(`name=blue AND path:${root}*`).execute();
    expect(byName.folders.map((f: { path: string }) => f.path)).toEqual([`${root}/red/blue`]);
    const recent = await asImplemented(cloudinary).search_folders.expression(`path:${root}* AND created_at>1h`).max_results(2).execute();
    expect(recent.total_count).toBe(4);
    expect(recent.folders).toHaveLength(2);
    const rest = await asImplemented(cloudinary)
      .search_folders.expression(`path:${root}* AND created_at>1h`)
      .max_results(2)
      .next_cursor(recent.next_cursor!)
      .execute();
    expect(rest.folders.map((f: { path: string }) => f.path)).toEqual([`${root}/red`, `${root}/red/blue`]);
    expect(rest.next_cursor).toBeUndefined();
    expect((await failure(asImplemented(cloudinary).search_folders.expression('tags:x').execute())).message).toMatch(
      /unknown field "tags" at position 0/,
    );
  });

  it('refuses bad folder paths and other clouds', async () => {
    expect((await failure(cloudinary.api.create_folder('a//b'))).http_code).toBe(400);
    expect((await failure(cloudinary.api.create_folder('50%'))).http_code).toBe(400);
    expect((await failure(cloudinary.api.rename_folder('x', '', {}))).http_code).toBe(400);
    const root = uid('iso');
    await cloudinary.api.create_folder(root);
    expect((await failure(cloudinary.api.sub_folders(root, dynamicCloud))).http_code).toBe(404);
    expect((await failure(cloudinary.api.delete_folder(root, dynamicCloud))).http_code).toBe(404);
  });
});
