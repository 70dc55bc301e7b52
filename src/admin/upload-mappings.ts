import { Hono, type Context } from 'hono';
import { CldError, badRequest, notFound } from '../errors';
import { adminCloud, type AppEnv } from '../api/cloud';
import { readParams, type Params } from '../http/params';
import { uploadMappings, type UploadMapping } from '../config/collections';

/**
 * Cloudinary's upload mappings (Admin API `upload_mappings`, spec §8.2-8.3):
 * a folder and the URL prefix its missing assets are loaded from on first
 * delivery (see src/remote/auto-upload.ts). The folder comes as a parameter,
 * in the query or the body, for every method.
 */
const DEFAULT_MAX_RESULTS = 10;
const MAX_MAX_RESULTS = 500;
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

function page(p: Params, all: UploadMapping[]): { mappings: UploadMapping[]; next_cursor?: string } {
  const max = p.int('max_results') ?? DEFAULT_MAX_RESULTS;
  if (max < 1 || max > MAX_MAX_RESULTS) throw badRequest(`Invalid max_results ${max}: must be between 1 and ${MAX_MAX_RESULTS}`);
  const cursor = p.string('next_cursor');
  let start = 0;
  if (cursor) {
    let after: string;
    try {
      after = decodeURIComponent(atob(cursor));
    } catch {
      throw badRequest(`Invalid next_cursor ${cursor}`);
    }
    start = all.findIndex((m) => m.folder > after);
    if (start < 0) start = all.length;
  }
  const mappings = all.slice(start, start + max).map(({ folder, template }) => ({ folder, template }));
  const more = start + max < all.length;
  return more ? { mappings, next_cursor: btoa(encodeURIComponent(mappings[mappings.length - 1].folder)) } : { mappings };
}

async function mappingsOf(c: Context<AppEnv>) {
  const cloud = adminCloud(c);
  return { store: uploadMappings(c.env.CONFIG, cloud.cloudName), params: await readParams(c.req.raw) };
}

export const uploadMappingRoutes = new Hono<AppEnv>()
  .get('/v1_1/:cloud/upload_mappings', async (c) => {
    const { store, params } = await mappingsOf(c);
    if (!params.has('folder')) return c.json(page(params, await store.list()));
    const folder = parseFolder(params);
    const mapping = (await store.list()).find((m) => m.folder === folder);
    if (!mapping) throw notFound(`Mapping not found - ${folder}`);
    return c.json({ folder: mapping.folder, template: mapping.template });
  })
  .post('/v1_1/:cloud/upload_mappings', async (c) => {
    const { store, params } = await mappingsOf(c);
    const folder = parseFolder(params);
    const template = parseTemplate(params);
    if ((await store.list()).some((m) => m.folder === folder)) throw new CldError(409, `Mapping for folder ${folder} already exists`);
    await store.put(folder, { folder, template });
    return c.json({ message: 'created', folder });
  })
  .put('/v1_1/:cloud/upload_mappings', async (c) => {
    const { store, params } = await mappingsOf(c);
    const folder = parseFolder(params);
    const template = parseTemplate(params);
    if (!(await store.list()).some((m) => m.folder === folder)) throw notFound(`Mapping not found - ${folder}`);
    await store.put(folder, { folder, template });
    return c.json({ message: 'updated' });
  })
  .delete('/v1_1/:cloud/upload_mappings', async (c) => {
    const { store, params } = await mappingsOf(c);
    const folder = parseFolder(params);
    if (!(await store.delete(folder))) throw notFound(`Mapping not found - ${folder}`);
    return c.json({ message: 'deleted' });
  });
