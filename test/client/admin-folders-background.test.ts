import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, DEMO } from '../support/clouds';
import { loadSdk, sdkFailure as failure, uid } from '../support/sdk';
import { startOwnWorker } from '../support/worker';
import { WebhookReceiver } from '../support/webhook-receiver';

const paths = (r: { folders: { path: string }[] }) => r.folders.map((f) => f.path);
/** Above it, rename_folder answers at once and the queue renames (the default is 100; lowered so the test stays small). */
const SYNC_MAX = 20;

/** rename_folder in fixed mode beyond what one call renames: the queue renames the rest in batches of 50. */
describe('background rename of a large fixed folder', async () => {
  const { cloudinary } = await loadSdk();
  let worker: Awaited<ReturnType<typeof startOwnWorker>>;
  const receiver = new WebhookReceiver();
  const hook = `/folders/${uid()}`;
  let at: { upload_prefix: string };

  beforeAll(async () => {
    await receiver.start();
    worker = await startOwnWorker({ FOLDER_RENAME_SYNC_MAX: String(SYNC_MAX) });
    at = { upload_prefix: worker.url };
    const res = await fetch(`${worker.url}/v1_1/${DEMO.cloud_name}/settings`, {
      method: 'PUT',
      headers: { Authorization: basicAuth(DEMO), 'Content-Type': 'application/json' },
      body: JSON.stringify({ notification_url: receiver.url(hook) }),
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await worker?.dispose();
    await receiver.stop();
  });

  const upload = async (ids: string[]) => {
    // Raw files are cheap to store: ten at a time.
    for (let i = 0; i < ids.length; i += 10) {
      await Promise.all(
        ids.slice(i, i + 10).map((id) =>
          cloudinary.uploader.upload(`data:text/plain;base64,${Buffer.from(id).toString('base64')}`, {
            ...at,
            public_id: id,
            resource_type: 'raw',
          }),
        ),
      );
    }
  };
  const below = async (folder: string) => {
    const found: string[] = [];
    let next: string | undefined;
    do {
      const page = await cloudinary.api.resources({
        ...at,
        resource_type: 'raw',
        type: 'upload',
        prefix: `${folder}/`,
        max_results: 500,
        next_cursor: next,
      });
      found.push(...page.resources.map((r: { public_id: string }) => r.public_id));
      next = page.next_cursor;
    } while (next);
    return found.sort();
  };
  const delivered = (id: string) => fetch(`${worker.url}/${DEMO.cloud_name}/raw/upload/${id}`, { signal: AbortSignal.timeout(5_000) });
  const notified = (type: string) =>
    receiver.deliveries
      .filter((d) => d.path === hook)
      .map(
        (d) =>
          JSON.parse(d.body) as { notification_type: string; resources?: Record<string, { from_public_id: string; to_public_id: string }> },
      )
      .filter((n) => n.notification_type === type);

  it('answers at once, moves every asset in batches with a move notification each, then the folder; the worker keeps answering', async () => {
    const root = uid('bigfold');
    const COUNT = 130;
    const ids = Array.from({ length: COUNT }, (_, i) => `${root}/old/${i < 10 ? `sub/` : ''}f${String(i).padStart(3, '0')}.txt`);
    await upload(ids);
    const started = Date.now();
    const moved = await cloudinary.api.rename_folder(`${root}/old`, `${root}/new`, at);
    // 130 renames take seconds here; the answer comes before them.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(moved).toMatchObject({ from: { name: 'old', path: `${root}/old` }, to: { name: 'new', path: `${root}/new` } });

    const deadline = Date.now() + 120_000;
    let folders: string[] = [];
    for (;;) {
      folders = paths(await cloudinary.api.sub_folders(root, at));
      if (folders.join() === `${root}/new`) break;
      if (Date.now() > deadline) throw new Error(`rename not finished: ${folders.join()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // Done: every asset has its new public id, none is left behind, the subfolder moved along.
    const renamed = ids.map((id) => id.replace(`${root}/old/`, `${root}/new/`)).sort();
    expect(await below(`${root}/new`)).toEqual(renamed);
    expect(await below(`${root}/old`)).toEqual([]);
    expect(paths(await cloudinary.api.sub_folders(`${root}/new`, at))).toEqual([`${root}/new/sub`]);
    expect(await (await delivered(`${root}/new/f050.txt`)).text()).toBe(`${root}/old/f050.txt`);
    expect((await delivered(`${root}/old/f050.txt`)).status).toBe(404);

    // The worker still answers, promptly, after the queue went quiet: several calls in a row, each within its timeout.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const id of [renamed[0], renamed[64], renamed[129]]) {
      const t = Date.now();
      expect((await delivered(id)).status).toBe(200);
      expect(Date.now() - t).toBeLessThan(5_000);
    }
    const roots = await fetch(`${worker.url}/v1_1/${DEMO.cloud_name}/folders`, {
      headers: { Authorization: basicAuth(DEMO) },
      signal: AbortSignal.timeout(5_000),
    });
    expect(((await roots.json()) as { folders: { path: string }[] }).folders.map((f) => f.path)).toContain(root);

    // One `move` notification per batch of at most 50, naming every asset once; then the folder's.
    await expect.poll(() => notified('move_or_rename_asset_folder').length, { timeout: 20_000 }).toBe(1);
    const moves = notified('move');
    expect(moves.length).toBe(Math.ceil(COUNT / 50));
    for (const m of moves) expect(Object.keys(m.resources ?? {}).length).toBeLessThanOrEqual(50);
    const named = moves.flatMap((m) => Object.values(m.resources ?? {}));
    expect(named.map((r) => r.to_public_id).sort()).toEqual(renamed);
    expect(named.map((r) => r.from_public_id).sort()).toEqual([...ids].sort());
    expect(notified('move_or_rename_asset_folder')[0]).toMatchObject({ from_path: `${root}/old`, to_path: `${root}/new` });

    // The old folder is gone; the new one is not empty, so it stays.
    expect((await failure(cloudinary.api.delete_folder(`${root}/old`, at))).http_code).toBe(404);
    expect((await failure(cloudinary.api.delete_folder(`${root}/new`, at))).http_code).toBe(400);
  });

  it('renames a folder at or below the limit within the call', async () => {
    const root = uid('smallfold');
    const ids = Array.from({ length: SYNC_MAX }, (_, i) => `${root}/a/f${i}.txt`);
    await upload(ids);
    await cloudinary.api.rename_folder(`${root}/a`, `${root}/b`, at);
    // No waiting: the answer came after the move.
    expect(await below(`${root}/b`)).toEqual(ids.map((id) => id.replace('/a/', '/b/')).sort());
    expect(paths(await cloudinary.api.sub_folders(root, at))).toEqual([`${root}/b`]);
  });
});
