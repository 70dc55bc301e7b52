import { describe, expect, it } from 'vitest';
import { loadSdk, sdkFailure as failure, uid } from '../support/sdk';

const paths = (r: { folders: { path: string }[] }) => r.folders.map((f) => f.path);

/** rename_folder in fixed mode beyond what one call renames (50 assets): the queue renames the rest in batches. */
describe('background rename of a large fixed folder', async () => {
  const { cloudinary } = await loadSdk();

  it('answers at once, moves every asset in batches, then the folder; delete only when empty', async () => {
    const root = uid('bigfold');
    const COUNT = 120;
    const ids = Array.from({ length: COUNT }, (_, i) => `${root}/old/${i < 10 ? `sub/` : ''}f${String(i).padStart(3, '0')}.txt`);
    // Raw files are cheap to store: ten at a time.
    for (let i = 0; i < ids.length; i += 10) {
      await Promise.all(
        ids
          .slice(i, i + 10)
          .map((id) =>
            cloudinary.uploader.upload(`data:text/plain;base64,${Buffer.from(id).toString('base64')}`, {
              public_id: id,
              resource_type: 'raw',
            }),
          ),
      );
    }
    const moved = await cloudinary.api.rename_folder(`${root}/old`, `${root}/new`);
    expect(moved).toMatchObject({ from: { name: 'old', path: `${root}/old` }, to: { name: 'new', path: `${root}/new` } });

    const below = async (folder: string) => {
      const found: string[] = [];
      let next: string | undefined;
      do {
        const page = await cloudinary.api.resources({
          resource_type: 'raw',
          type: 'upload',
          prefix: `${folder}/`,
          max_results: 500,
          next_cursor: next,
        });
        found.push(...page.resources.map((r: { public_id: string }) => r.public_id));
        next = page.next_cursor;
      } while (next);
      return found;
    };
    const deadline = Date.now() + 120_000;
    let folders: string[] = [];
    for (;;) {
      folders = paths(await cloudinary.api.sub_folders(root));
      if (folders.join() === `${root}/new`) break;
      if (Date.now() > deadline) throw new Error(`rename not finished: ${folders.join()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // Done: every asset has its new public id, none is left behind, the subfolder moved along.
    expect((await below(`${root}/new`)).sort()).toEqual(ids.map((id) => id.replace(`${root}/old/`, `${root}/new/`)).sort());
    expect(await below(`${root}/old`)).toEqual([]);
    expect(paths(await cloudinary.api.sub_folders(`${root}/new`))).toEqual([`${root}/new/sub`]);
    const delivered = await fetch(cloudinary.url(`${root}/new/f050.txt`, { resource_type: 'raw', secure: false }));
    expect(await delivered.text()).toBe(`${root}/old/f050.txt`);
    expect((await fetch(cloudinary.url(`${root}/old/f050.txt`, { resource_type: 'raw', secure: false }))).status).toBe(404);

    // The old folder is gone; the new one is not empty, so it stays.
    expect((await failure(cloudinary.api.delete_folder(`${root}/old`))).http_code).toBe(404);
    expect((await failure(cloudinary.api.delete_folder(`${root}/new`))).http_code).toBe(400);
  });
});
