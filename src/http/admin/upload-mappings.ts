import { Hono, type Context } from 'hono';
import { CldError, badRequest, notFound } from '../../errors';
import { adminAuth, type AppEnv } from '../cloud';
import { readParams, type Params } from '../../protocol/params';
import { uploadMappings, type UploadMapping } from '../../config/collections';
import { decodeCursor, encodeCursor } from '../../storage/cursor';
import { parseMaxResults } from '../../protocol/list-params';
import { adminJson } from './respond';

/**
 * Cloudinary's upload mappings (Admin API `upload_mappings`):
 * a folder and the URL prefix its missing assets are loaded from on first
 * delivery (see src/services/remote/auto-upload.ts). The folder comes as a parameter,
 * in the query or the body, for every method.
 */
const MAX_TEMPLATE_LENGTH = 2048;

/** `a/b` with surrounding slashes removed; no empty segments. */
function parseFolder(p: Params): string {
  const raw = p.string('folder');
  if (raw === undefined || raw.trim() === '') throw badRequest('Missing required parameter - folder');
  const folder = raw.trim().replace(/^\/+|\/+$/g, '');
  if (!folder || folder.split('/').some((s) => s === '' || s === '.' || s === '..') || /[\u0000-\u001f\\?#%]/.test(folder)) {
    throw badRequest(`Invalid folder ${raw}`);
  }
  return folder;
}

/** The URL prefix: an absolute http(s) URL. Where it may point is checked when it is used. */
function parseTemplate(p: Params): string {
  const template = p.string('template')?.trim();
  if (!template) throw badRequest('Missing required parameter - template');
  let url: URL;
  try {
    url = new URL(template);
  } catch {
    throw badRequest(`Invalid template ${template}: must be an absolute http or https URL`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || template.length > MAX_TEMPLATE_LENGTH) {
    throw badRequest(`Invalid template ${template}: must be an absolute http or https URL`);
  }
  return template;
}

/** A page of mappings by folder name, as the presets list pages by name. */
function page(p: Params, all: UploadMapping[]): { mappings: UploadMapping[]; next_cursor?: string } {
  const max = parseMaxResults(p);
  const cursor = p.string('next_cursor');
  const after = cursor ? (decodeCursor(cursor, 's')[0] as string) : undefined;
  const rest = all.filter((m) => after === undefined || m.folder > after);
  const mappings = rest.slice(0, max).map(({ folder, template }) => ({ folder, template }));
  return rest.length > max ? { mappings, next_cursor: encodeCursor([mappings[mappings.length - 1].folder]) } : { mappings };
}

async function mappingsOf(c: Context<AppEnv>) {
  const cloud = c.get('cloud');
  return { store: uploadMappings(c.env.CONFIG, cloud.cloudName), params: await readParams(c.req.raw) };
}

export const uploadMappingRoutes = new Hono<AppEnv>()
  .get('/upload_mappings', adminAuth, async (c) => {
    const { store, params } = await mappingsOf(c);
    if (!params.has('folder')) return adminJson(c, page(params, await store.list()));
    const folder = parseFolder(params);
    const mapping = (await store.list()).find((m) => m.folder === folder);
    if (!mapping) throw notFound(`Mapping not found - ${folder}`);
    return adminJson(c, { folder: mapping.folder, template: mapping.template });
  })
  .post('/upload_mappings', adminAuth, async (c) => {
    const { store, params } = await mappingsOf(c);
    const folder = parseFolder(params);
    const template = parseTemplate(params);
    if ((await store.list()).some((m) => m.folder === folder)) throw new CldError(409, `Mapping for folder ${folder} already exists`);
    await store.put(folder, { folder, template });
    return adminJson(c, { message: 'created', folder });
  })
  .put('/upload_mappings', adminAuth, async (c) => {
    const { store, params } = await mappingsOf(c);
    const folder = parseFolder(params);
    const template = parseTemplate(params);
    if (!(await store.list()).some((m) => m.folder === folder)) throw notFound(`Mapping not found - ${folder}`);
    await store.put(folder, { folder, template });
    return adminJson(c, { message: 'updated' });
  })
  .delete('/upload_mappings', adminAuth, async (c) => {
    const { store, params } = await mappingsOf(c);
    const folder = parseFolder(params);
    if (!(await store.delete(folder))) throw notFound(`Mapping not found - ${folder}`);
    return adminJson(c, { message: 'deleted' });
  });
