import { Hono } from 'hono';
import { adminAuth, type AppEnv } from '../cloud';
import { badRequest, CldError, notFound } from '../../errors';
import { readParams, type Params } from '../../protocol/params';
import { randomId } from '../../auth/crypto';
import { uploadPresets, type UploadPreset } from '../../config/collections';
import { decodeCursor, encodeCursor } from '../../storage/cursor';
import { adminJson } from './respond';
import { parseMaxResults } from '../../protocol/list-params';

const PRESET_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const SETTING_KEY = /^[a-z][a-z0-9_]{0,63}$/;

/** Request fields that describe the request or the preset itself, never a setting it carries. */
const NOT_SETTINGS = new Set(['name', 'unsigned', 'timestamp', 'signature', 'api_key', 'signature_algorithm', 'upload_preset']);

/** Upload parameters that are flags: stored as "true"/"false", answered as JSON booleans. */
const FLAG_SETTINGS = new Set([
  'accessibility_analysis',
  'async',
  'auto_chaptering',
  'backup',
  'cinemagraph_analysis',
  'clear_invalid',
  'colors',
  'disallow_public_id',
  'discard_original_filename',
  'eager_async',
  'exif',
  'faces',
  'image_metadata',
  'invalidate',
  'live',
  'media_metadata',
  'overwrite',
  'phash',
  'quality_analysis',
  'return_delete_token',
  'unique_display_name',
  'unique_filename',
  'use_asset_folder_as_public_id_prefix',
  'use_filename',
  'use_filename_as_display_name',
  'visual_search',
]);

/** The settings a request carries, checked: flags are booleans, keys look like Cloudinary's. */
function parseSettings(p: Params): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const key of Object.keys(p.fields)) {
    if (NOT_SETTINGS.has(key)) continue;
    if (!SETTING_KEY.test(key)) throw badRequest(`Invalid upload preset parameter ${key}`);
    settings[key] = FLAG_SETTINGS.has(key) ? String(p.bool(key, false)) : (p.string(key) ?? '');
  }
  return settings;
}

function presetAnswer(preset: UploadPreset): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(preset.settings)) settings[k] = FLAG_SETTINGS.has(k) ? v === 'true' || v === '1' : v;
  return { name: preset.name, unsigned: preset.unsigned, settings };
}

function presetName(raw: string | undefined): string {
  if (!raw || !PRESET_NAME.test(raw)) throw badRequest(`Invalid upload preset name ${raw ?? ''}`);
  return raw;
}

/** Upload presets (https://cloudinary.com/documentation/admin_api#upload_presets): the store the Upload API reads `upload_preset` from. */
export const presetRoutes = new Hono<AppEnv>()
  .get('/upload_presets', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const max = parseMaxResults(p);
    const cursor = p.string('next_cursor');
    const after = cursor ? (decodeCursor(cursor, 's')[0] as string) : undefined;
    const all = (await uploadPresets(c.env.CONFIG, cloud.cloudName).list()).filter((x) => after === undefined || x.name > after);
    const page = all.slice(0, max);
    const body: Record<string, unknown> = { presets: page.map(presetAnswer) };
    if (all.length > max) body.next_cursor = encodeCursor([page[page.length - 1].name]);
    return adminJson(c, body);
  })
  .get('/upload_presets/:name', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const name = c.req.param('name');
    const preset = await uploadPresets(c.env.CONFIG, cloud.cloudName).get(name);
    if (!preset) throw notFound(`Upload preset ${name} not found`);
    return adminJson(c, presetAnswer(preset));
  })
  .post('/upload_presets', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const name = p.has('name') ? presetName(p.string('name')) : randomId(8);
    const store = uploadPresets(c.env.CONFIG, cloud.cloudName);
    if (await store.get(name)) throw new CldError(409, `Upload preset ${name} already exists`);
    await store.put(name, { name, unsigned: p.bool('unsigned', false), settings: parseSettings(p) });
    return adminJson(c, { message: 'created', name });
  })
  .put('/upload_presets/:name', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const name = c.req.param('name');
    const p = await readParams(c.req.raw);
    const store = uploadPresets(c.env.CONFIG, cloud.cloudName);
    const preset = await store.get(name);
    if (!preset) throw notFound(`Upload preset ${name} not found`);
    await store.put(name, { name, unsigned: p.bool('unsigned', preset.unsigned), settings: { ...preset.settings, ...parseSettings(p) } });
    return adminJson(c, { message: 'updated' });
  })
  .delete('/upload_presets/:name', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const name = c.req.param('name');
    if (!(await uploadPresets(c.env.CONFIG, cloud.cloudName).delete(name))) throw notFound(`Upload preset ${name} not found`);
    return adminJson(c, { message: 'deleted' });
  });
