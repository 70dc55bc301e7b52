import { decodeCursor, encodeCursor } from './cursor';
import type { FolderMode } from './search-sql';

/**
 * Folders as the `folders` table records them (see migration 0020): leaf
 * paths written by triggers on the resource index and by create_folder. A
 * folder exists when a recorded path is it or lies below it.
 */
const MAX_CHAR = '\u{10FFFF}';

/** Which recorded paths are folders in each mode: fixed folders come from public ids, dynamic ones from asset folders. */
const ORIGINS: Record<FolderMode, readonly string[]> = {
  fixed: ['public_id', 'created'],
  dynamic: ['asset_folder', 'created'],
};

const originsSql = (mode: FolderMode) => `origin IN (${ORIGINS[mode].map(() => '?').join(', ')})`;

/** `path = ? OR path under ?/`, bound as (path, path/, path/MAX). */
const atOrBelow = (column: string) => `(${column} = ? OR (${column} >= ? AND ${column} < ?))`;
const atOrBelowBinds = (path: string) => [path, `${path}/`, `${path}/${MAX_CHAR}`];

export interface FolderPage {
  paths: string[];
  totalCount: number;
  nextCursor?: string;
}

/**
 * The direct children of `parent` ('' for the root), in path order, keyset-paged.
 * Each recorded path below the parent contributes its next segment.
 */
export async function childFolders(
  db: D1Database,
  cloud: string,
  mode: FolderMode,
  parent: string,
  maxResults: number,
  cursor?: string,
): Promise<FolderPage> {
  const start = parent ? parent.length + 2 : 1; // the first character of the child's segment
  const child = `CASE WHEN instr(substr(path, ${start}), '/') > 0 THEN substr(path, 1, ${start} + instr(substr(path, ${start}), '/') - 2) ELSE path END`;
  const under = parent ? 'AND path >= ? AND path < ?' : '';
  const binds: unknown[] = [cloud, ...ORIGINS[mode], ...(parent ? [`${parent}/`, `${parent}/${MAX_CHAR}`] : [])];
  const children = `SELECT DISTINCT ${child} AS child FROM folders WHERE cloud = ? AND ${originsSql(mode)} ${under}`;
  const after = cursor ? String(decodeCursor(cursor, 's')[0]) : null;
  const [page, count] = await db.batch<{ child?: string; n?: number }>([
    db
      .prepare(`SELECT child FROM (${children}) ${after !== null ? 'WHERE child > ?' : ''} ORDER BY child LIMIT ?`)
      .bind(...binds, ...(after !== null ? [after] : []), maxResults + 1),
    db.prepare(`SELECT count(*) AS n FROM (${children})`).bind(...binds),
  ]);
  const paths = page.results.map((r) => r.child as string);
  const result: FolderPage = { paths: paths.slice(0, maxResults), totalCount: Number(count.results[0]?.n ?? 0) };
  if (paths.length > maxResults) result.nextCursor = encodeCursor([paths[maxResults - 1]]);
  return result;
}

export async function folderExists(db: D1Database, cloud: string, mode: FolderMode, path: string): Promise<boolean> {
  const row = await db
    .prepare(`SELECT 1 AS found FROM folders WHERE cloud = ? AND ${originsSql(mode)} AND ${atOrBelow('path')} LIMIT 1`)
    .bind(cloud, ...ORIGINS[mode], ...atOrBelowBinds(path))
    .first<{ found: number }>();
  return !!row;
}

/** Records an explicitly created folder; false when it already was a folder. */
export async function createFolder(db: D1Database, cloud: string, mode: FolderMode, path: string, now: string): Promise<boolean> {
  if (await folderExists(db, cloud, mode, path)) return false;
  await db
    .prepare("INSERT OR IGNORE INTO folders (cloud, origin, path, created_at) VALUES (?, 'created', ?, ?)")
    .bind(cloud, path, now)
    .run();
  return true;
}

/** Whether any asset lies in the folder or below it, in the mode's sense of "in". */
export async function folderHasAssets(db: D1Database, cloud: string, mode: FolderMode, path: string): Promise<boolean> {
  const sql =
    mode === 'fixed'
      ? 'SELECT 1 AS found FROM resources WHERE cloud = ? AND public_id >= ? AND public_id < ? LIMIT 1'
      : `SELECT 1 AS found FROM resources WHERE cloud = ? AND ${atOrBelow('asset_folder')} LIMIT 1`;
  const binds = mode === 'fixed' ? [cloud, `${path}/`, `${path}/${MAX_CHAR}`] : [cloud, ...atOrBelowBinds(path)];
  return !!(await db
    .prepare(sql)
    .bind(...binds)
    .first<{ found: number }>());
}

/** Forgets the folder and its subfolders (every origin); answers the paths removed. */
export async function deleteFolderRows(db: D1Database, cloud: string, path: string): Promise<string[]> {
  const rows = await db
    .prepare(`DELETE FROM folders WHERE cloud = ? AND ${atOrBelow('path')} RETURNING path`)
    .bind(cloud, ...atOrBelowBinds(path))
    .all<{ path: string }>();
  return [...new Set(rows.results.map((r) => r.path))].sort();
}

/** Moves recorded folder paths from `from` to `to` (its subfolders too). */
export async function renameFolderRows(db: D1Database, cloud: string, from: string, to: string): Promise<void> {
  const moved = `? || substr(path, ${from.length + 1})`;
  await db.batch([
    db
      .prepare(
        `INSERT OR IGNORE INTO folders (cloud, origin, path, created_at) SELECT cloud, origin, ${moved}, created_at FROM folders WHERE cloud = ? AND ${atOrBelow('path')}`,
      )
      .bind(to, cloud, ...atOrBelowBinds(from)),
    db.prepare(`DELETE FROM folders WHERE cloud = ? AND ${atOrBelow('path')}`).bind(cloud, ...atOrBelowBinds(from)),
  ]);
}

/** Dynamic folders: moves every asset whose asset folder is `from` or below it; answers their ids. */
export async function moveAssetFolders(db: D1Database, cloud: string, from: string, to: string): Promise<number> {
  const r = await db
    .prepare(`UPDATE resources SET asset_folder = ? || substr(asset_folder, ?) WHERE cloud = ? AND ${atOrBelow('asset_folder')}`)
    .bind(to, from.length + 1, cloud, ...atOrBelowBinds(from))
    .run();
  return r.meta.changes ?? 0;
}

/** Fixed folders: the public ids (with type and resource type) below a folder, a page at a time. */
export async function assetsBelow(
  db: D1Database,
  cloud: string,
  path: string,
  limit: number,
): Promise<{ resource_type: string; type: string; public_id: string }[]> {
  const rows = await db
    .prepare(
      'SELECT resource_type, type, public_id FROM resources WHERE cloud = ? AND public_id >= ? AND public_id < ? ORDER BY public_id LIMIT ?',
    )
    .bind(cloud, `${path}/`, `${path}/${MAX_CHAR}`, limit)
    .all<{ resource_type: string; type: string; public_id: string }>();
  return rows.results;
}

/** When the cloud's first asset was uploaded (`config`'s `created_at`), or null for an empty cloud. */
export async function firstUploadAt(db: D1Database, cloud: string): Promise<string | null> {
  const row = await db.prepare('SELECT min(uploaded_at) AS at FROM resources WHERE cloud = ?').bind(cloud).first<{ at: string | null }>();
  return row?.at ?? null;
}

/** Every recorded folder path of the mode with its creation time, up to `limit` rows (search_folders reads them all). */
export async function allFolderRows(
  db: D1Database,
  cloud: string,
  mode: FolderMode,
  limit: number,
): Promise<{ path: string; created_at: string }[]> {
  const rows = await db
    .prepare(
      `SELECT path, min(created_at) AS created_at FROM folders WHERE cloud = ? AND ${originsSql(mode)} GROUP BY path ORDER BY path LIMIT ?`,
    )
    .bind(cloud, ...ORIGINS[mode], limit)
    .all<{ path: string; created_at: string }>();
  return rows.results;
}
