import { Hono } from 'hono';
import type { Env } from '../../config/env';
import { badRequest } from '../../errors';
import { adminAuth, type AppEnv } from '../cloud';
import { parseSelector } from './selector';
import { readParams } from '../../protocol/params';
import { RESOURCE_TYPES } from '../../protocol/delivery-url';
import { purgeAsset } from '../../services/cache/purge';
import { accessModesOf, type AssetScope } from '../../storage/resources';
import { setAccessMode } from '../../storage/assets';

/** The values Cloudinary accepts for `access_mode`. */
const ACCESS_MODES = new Set(['public', 'authenticated']);
/**
 * Assets updated per call by prefix or tag; more are reached with
 * `next_cursor`. Each changed asset costs a purge (D1 and cache calls), which
 * keeps one call well inside a Worker's subrequest limit.
 */
const PAGE_SIZE = 100;
/** Purges run a few at a time rather than one after another. */
const PURGE_CONCURRENCY = 6;

type Scope = AssetScope;

interface Found {
  public_id: string;
  access_mode: string;
}

const decodeCursor = (c: string | undefined) => {
  if (!c) return '';
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(c), (ch) => ch.charCodeAt(0)));
  } catch {
    throw badRequest(`Invalid next_cursor ${c}`);
  }
};
const encodeCursor = (publicId: string) => btoa(String.fromCharCode(...new TextEncoder().encode(publicId)));

/**
 * Sets the mode of the named assets, then purges every cached variant of
 * those whose mode changed: switching to authenticated must drop public
 * copies, and switching back must leave nothing stale behind. (Denials are
 * never cached: see src/delivery/access/check.ts.)
 */
async function applyMode(env: Env, s: Scope, found: Found[], mode: string): Promise<void> {
  const changed = found.filter((f) => f.access_mode !== mode).map((f) => f.public_id);
  if (!changed.length) return;
  await setAccessMode(env.DB, s, changed, mode);
  for (let i = 0; i < changed.length; i += PURGE_CONCURRENCY) {
    await Promise.all(changed.slice(i, i + PURGE_CONCURRENCY).map((publicId) => purgeAsset(env, { ...s, publicId })));
  }
}

/**
 * `POST /v1_1/<cloud>/resources/<rt>/<type>/update_access_mode` with
 * `access_mode` and one of `public_ids[]`, `prefix`, `tag` (the SDK's
 * update_resources_access_mode_by_ids|prefix|tag). Answers
 * `{"updated":[{public_id, access_mode}], "failed":[{public_id, error}]}`.
 */
export const accessModeRoutes = new Hono<AppEnv>().post('/resources/:rt/:type/update_access_mode', adminAuth, async (c) => {
  const cloud = c.get('cloud');
  const rt = c.req.param('rt');
  if (!(RESOURCE_TYPES as readonly string[]).includes(rt)) throw badRequest(`Invalid resource type ${rt}`);
  const params = await readParams(c.req.raw);
  const mode = params.string('access_mode') ?? '';
  if (!ACCESS_MODES.has(mode)) throw badRequest(`Illegal value for access_mode: ${mode || '(none)'}; must be public or authenticated`);
  const sel = parseSelector(params);
  const scope: Scope = { cloud: cloud.cloudName, resourceType: rt, type: c.req.param('type') };

  const rows = await accessModesOf(c.env.DB, scope, sel, decodeCursor(params.string('next_cursor')), PAGE_SIZE + 1);
  const more = sel.by !== 'ids' && rows.length > PAGE_SIZE;
  const found = more ? rows.slice(0, PAGE_SIZE) : rows;
  await applyMode(c.env, scope, found, mode);

  const foundIds = new Set(found.map((f) => f.public_id));
  const missing = sel.by === 'ids' ? sel.ids.filter((id) => !foundIds.has(id)) : [];
  return c.json({
    updated: found.map((f) => ({ public_id: f.public_id, access_mode: mode })),
    failed: missing.map((id) => ({ public_id: id, error: `Resource not found - ${id}` })),
    ...(more ? { next_cursor: encodeCursor(found[found.length - 1].public_id) } : {}),
  });
});
