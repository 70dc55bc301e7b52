import type { Env } from '../../config/env';
import { badRequest, CldError, notFound } from '../../errors';
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
import { renameAsset } from '../../storage/assets';
import { purgeAsset } from '../cache/purge';
import { notifyCloud } from '../jobs/admin-notifications';

/**
 * Cloudinary's folders in both folder modes: "fixed" folders are the paths of
 * public ids (renaming one renames its assets); "dynamic" folders are asset
 * folders, independent of public ids (renaming one moves its assets without
 * touching a URL).
 */

/** Assets renamed in one rename_folder call (fixed mode): each one moves bytes in R2. */
const MAX_FIXED_RENAME = 1000;

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
    await renameFixedAssets(env, cloud, from, to);
  }
  await renameFolderRows(env.DB, cloud, from, to);
  await notifyCloud(env, cloud, 'move_or_rename_asset_folder', { from_path: from, to_path: to });
  return { from: entry(from), to: entry(to) };
}

/** Fixed folders are part of public ids: every asset below the folder gets a new public id, and its old URLs are purged. */
async function renameFixedAssets(env: Env, cloud: string, from: string, to: string): Promise<void> {
  const assets = await assetsBelow(env.DB, cloud, from, MAX_FIXED_RENAME + 1);
  if (assets.length > MAX_FIXED_RENAME)
    throw badRequest(`Folder ${from} holds more than ${MAX_FIXED_RENAME} assets; rename them in smaller folders`);
  for (const a of assets) {
    const ref = { cloud, resourceType: a.resource_type, type: a.type, publicId: a.public_id };
    const target = { ...ref, publicId: validatePublicId(to + a.public_id.slice(from.length)) };
    await renameAsset(env, ref, target, { overwrite: false });
    await purgeAsset(env, ref);
    await notifyCloud(env, cloud, 'rename', {
      resource_type: ref.resourceType,
      type: ref.type,
      from_public_id: ref.publicId,
      to_public_id: target.publicId,
    });
  }
}

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
