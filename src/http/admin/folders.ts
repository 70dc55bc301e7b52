import { Hono } from 'hono';
import { adminAuth, type AppEnv } from '../cloud';
import { readParams, required } from '../../protocol/params';
import { parseMaxResults } from '../../protocol/list-params';
import { getSettings } from '../../config/settings';
import { firstUploadAt } from '../../storage/folders';
import { listFolders, makeFolder, moveFolder, parseFolderPath, removeFolder, searchFolders } from '../../services/folders/folders';
import { parseFolderSearch } from '../../protocol/search/folders';
import { adminJson } from './respond';

/** Folder listings page by 500 at most; without max_results a listing holds up to that many. */
const DEFAULT_FOLDER_PAGE = 500;

/** Folders (`root_folders`, `sub_folders`, `create_folder`, `delete_folder`, `rename_folder`) and `config`. */
export const folderRoutes = new Hono<AppEnv>()
  .get('/config', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const [settings, createdAt] = await Promise.all([getSettings(c.env.CONFIG, cloud.cloudName), firstUploadAt(c.env.DB, cloud.cloudName)]);
    return adminJson(c, {
      cloud_name: cloud.cloudName,
      created_at: createdAt ?? new Date(0).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      settings: { folder_mode: settings.folder_mode },
    });
  })
  .post('/folders/search', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    return adminJson(c, await searchFolders(c.env, cloud.cloudName, parseFolderSearch(await readParams(c.req.raw))));
  })
  .get('/folders', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const cursor = p.string('next_cursor') || undefined;
    return adminJson(c, await listFolders(c.env, cloud.cloudName, '', parseMaxResults(p, DEFAULT_FOLDER_PAGE), cursor));
  })
  .get('/folders/:path{.+}', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const cursor = p.string('next_cursor') || undefined;
    const path = parseFolderPath(c.req.param('path'));
    return adminJson(c, await listFolders(c.env, cloud.cloudName, path, parseMaxResults(p, DEFAULT_FOLDER_PAGE), cursor));
  })
  .post('/folders/:path{.+}', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    return adminJson(c, await makeFolder(c.env, cloud.cloudName, parseFolderPath(c.req.param('path'))));
  })
  .delete('/folders/:path{.+}', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    return adminJson(c, await removeFolder(c.env, cloud.cloudName, parseFolderPath(c.req.param('path'))));
  })
  .put('/folders/:path{.+}', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const to = parseFolderPath(required(p, 'to_folder'));
    return adminJson(c, await moveFolder(c.env, cloud.cloudName, parseFolderPath(c.req.param('path')), to));
  });
