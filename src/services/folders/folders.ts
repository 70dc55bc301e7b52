import type { Env } from '../../config/env';
import { asCldError, badRequest, CldError, DomainError, notFound } from '../../errors';
import { configFrom } from '../../config/config';
import { getSettings } from '../../config/settings';
import { validatePublicId } from '../upload/public-id';
import { folderMatches, type FolderRecord, type FolderSearch } from '../../protocol/search/folders';
import {
  allFolderRows,
  assetsBelow,
  childFolders,
  createFolder,
  deleteFolderRows,
  folderExists,
  folderHasAssets,
  moveAssetFolders,
  renameFolderRows,
} from '../../storage/folders';
import { moveAssetsBelow, type FolderMoveBatch } from '../../storage/folder-moves';
import { purgeAsset } from '../cache/purge';
import { notifyCloud } from '../jobs/admin-notifications';
import type { FolderRenameJob } from '../jobs/messages';
import { PermanentJobError } from '../jobs/errors';

/**
 * Cloudinary's folders in both folder modes: "fixed" folders are the paths of
 * public ids (renaming one renames its assets); "dynamic" folders are asset
 * folders, independent of public ids (renaming one moves its assets without
 * touching a URL).
 */

/**
 * Assets renamed per batch (fixed mode): one D1 batch each, and below D1's
 * 100 bound parameters per statement (the batch's taken-id check binds them all).
 */
const RENAME_BATCH = 50;

const nameOf = (path: string) => path.split('/').pop() ?? path;
const entry = (path: string) => ({ name: nameOf(path), path });

/** A folder path from the URL: slashes trimmed, no empty or dot segments. */
export function parseFolderPath(raw: string): string {
  const path = raw.replace(/^\/+|\/+$/g, '');
  if (!path || path.length > 1024 || path.split('/').some((s) => !s || s === '.' || s === '..' || /[\\?#%]/.test(s))) {
    throw badRequest(`Invalid folder path ${raw}`);
  }
  return path;
}

const modeOf = async (env: Env, cloud: string) => (await getSettings(env.CONFIG, cloud)).folder_mode;

export async function listFolders(env: Env, cloud: string, parent: string, maxResults: number, cursor?: string) {
  const mode = await modeOf(env, cloud);
  if (parent && !(await folderExists(env.DB, cloud, mode, parent))) throw notFound(`Can't find folder with path ${parent}`);
  const page = await childFolders(env.DB, cloud, mode, parent, maxResults, cursor);
  const body: Record<string, unknown> = { folders: page.paths.map(entry), total_count: page.totalCount };
  if (page.nextCursor) body.next_cursor = page.nextCursor;
  return body;
}

export async function makeFolder(env: Env, cloud: string, path: string) {
  const mode = await modeOf(env, cloud);
  const created = await createFolder(env.DB, cloud, mode, path, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (created) await notifyCloud(env, cloud, 'create_folder', { folder_name: nameOf(path), folder_path: path });
  return { success: true, path, name: nameOf(path) };
}

export async function removeFolder(env: Env, cloud: string, path: string) {
  const mode = await modeOf(env, cloud);
  if (!(await folderExists(env.DB, cloud, mode, path))) throw notFound(`Can't find folder with path ${path}`);
  if (await folderHasAssets(env.DB, cloud, mode, path)) throw badRequest('Folder is not empty');
  const deleted = await deleteFolderRows(env.DB, cloud, path);
  await notifyCloud(env, cloud, 'delete_folder', { folder_name: nameOf(path), folder_path: path });
  return { deleted: deleted.length ? deleted : [path] };
}

export async function moveFolder(env: Env, cloud: string, from: string, to: string) {
  const mode = await modeOf(env, cloud);
  if (!(await folderExists(env.DB, cloud, mode, from))) throw notFound(`Can't find folder with path ${from}`);
  if (from === to) return { from: entry(from), to: entry(to) };
  if (to.startsWith(`${from}/`)) throw badRequest(`Cannot move folder ${from} into itself`);
  if (await folderExists(env.DB, cloud, mode, to)) throw new CldError(409, `Folder ${to} already exists`);
  if (mode === 'dynamic') {
    await moveAssetFolders(env.DB, cloud, from, to);
  } else {
    const syncMax = configFrom(env).limits.folderRenameSyncMax;
    const large = (await assetsBelow(env.DB, cloud, from, syncMax + 1)).length > syncMax;
    // Uploads into the folder meanwhile could keep the loop going: past the batches the count allowed, the queue takes over.
    let batches = large ? 0 : Math.ceil(syncMax / RENAME_BATCH) + 1;
    for (; batches > 0; batches--) {
      if (!progressed(await renameBatch(env, cloud, from, to), from)) break;
    }
    if (!batches) {
      // Answered at once, as Cloudinary answers; the queue renames the assets, then the folder rows move and the notification goes.
      const job: FolderRenameJob = { kind: 'folder_rename', cloud, from, to };
      await env.JOBS.send(job, { contentType: 'json' });
      return { from: entry(from), to: entry(to) };
    }
  }
  await finishMove(env, cloud, from, to);
  return { from: entry(from), to: entry(to) };
}

async function finishMove(env: Env, cloud: string, from: string, to: string): Promise<void> {
  await renameFolderRows(env.DB, cloud, from, to);
  await notifyCloud(env, cloud, 'move_or_rename_asset_folder', { from_path: from, to_path: to });
}

/**
 * Whether another batch is due: a full batch may have left assets behind. A
 * full batch that moved nothing (each asset changed under it) would be found
 * again unchanged, so it stops the rename instead of repeating forever.
 */
function progressed(batch: FolderMoveBatch, from: string): boolean {
  if (batch.found < RENAME_BATCH) return false;
  if (!batch.moved.length) throw new CldError(409, `Folder ${from} changed while being renamed; try again`);
  return true;
}

/**
 * The queue's side of renaming a large fixed folder: one batch per run, then
 * the job is queued again (a fresh run, so no invocation grows with the
 * folder) until no asset is left below `from` (assets uploaded there meanwhile
 * move too); the last run moves the folder rows and notifies. A batch that
 * cannot succeed (a new public id is taken) stops the job for good, recorded
 * in failed_jobs; the assets renamed so far stay renamed.
 */
export async function runFolderRenameJob(env: Env, job: FolderRenameJob): Promise<void> {
  let more: boolean;
  try {
    more = progressed(await renameBatch(env, job.cloud, job.from, job.to), job.from);
  } catch (err) {
    const e = err instanceof DomainError ? asCldError(err) : err;
    if (e instanceof CldError && e.status < 500) throw new PermanentJobError(`Renaming folder ${job.from}: ${e.message}`);
    throw err;
  }
  if (more) await env.JOBS.send(job, { contentType: 'json' });
  else await finishMove(env, job.cloud, job.from, job.to);
}

/**
 * Fixed folders are part of public ids: a batch of assets below the folder
 * get new public ids, their old URLs are purged, and one `move` notification
 * names them all.
 */
async function renameBatch(env: Env, cloud: string, from: string, to: string): Promise<FolderMoveBatch> {
  const batch = await moveAssetsBelow(env, cloud, from, RENAME_BATCH, (id) => validatePublicId(to + id.slice(from.length)));
  for (const m of batch.moved) await purgeAsset(env, { cloud, resourceType: m.resourceType, type: m.type, publicId: m.from });
  if (batch.moved.length)
    await notifyCloud(env, cloud, 'move', {
      resources: Object.fromEntries(
        batch.moved.map((m) => [
          m.to,
          {
            resource_type: m.resourceType,
            type: m.type,
            asset_id: m.assetId,
            from_public_id: m.from,
            to_public_id: m.to,
            from_asset_folder: folderOf(m.from),
            to_asset_folder: folderOf(m.to),
          },
        ]),
      ),
    });
  return batch;
}

const folderOf = (publicId: string) => publicId.slice(0, Math.max(0, publicId.lastIndexOf('/')));

/** Folders search_folders considers at most; a cloud with more recorded folder paths gets a 400. */
const MAX_SEARCHED_FOLDERS = 50_000;

/** Every folder of the cloud, ancestors included (each created when its first descendant was). */
async function allFolders(env: Env, cloud: string): Promise<FolderRecord[]> {
  const rows = await allFolderRows(env.DB, cloud, await modeOf(env, cloud), MAX_SEARCHED_FOLDERS + 1);
  if (rows.length > MAX_SEARCHED_FOLDERS) throw badRequest(`Too many folders to search (more than ${MAX_SEARCHED_FOLDERS})`);
  const byPath = new Map<string, string>();
  for (const r of rows) {
    const parts = r.path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      const seen = byPath.get(p);
      if (!seen || r.created_at < seen) byPath.set(p, r.created_at);
    }
  }
  return [...byPath].map(([path, created_at]) => ({ name: nameOf(path), path, created_at }));
}

/** `search_folders`: `{total_count, time, folders: [{name, path, created_at}], next_cursor?}`. */
export async function searchFolders(env: Env, cloud: string, q: FolderSearch) {
  const started = Date.now();
  const found = (await allFolders(env, cloud)).filter((f) => folderMatches(q.expression, f));
  const sign = q.sort.dir === 'asc' ? 1 : -1;
  found.sort(
    (a, b) => sign * (a[q.sort.field] < b[q.sort.field] ? -1 : a[q.sort.field] > b[q.sort.field] ? 1 : 0) || (a.path < b.path ? -1 : 1),
  );
  const page = found.slice(q.offset, q.offset + q.maxResults);
  const body: Record<string, unknown> = { total_count: found.length, time: Date.now() - started, folders: page };
  if (q.offset + q.maxResults < found.length) body.next_cursor = String(q.offset + q.maxResults);
  return body;
}
