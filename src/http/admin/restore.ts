import { Hono, type Context } from 'hono';
import { adminAuth, type AppEnv } from '../cloud';
import type { Env } from '../../config/env';
import { readParams } from '../../protocol/params';
import { urlBase, type UrlBase } from '../../protocol/urls';
import { asCldError, CldError, DomainError } from '../../errors';
import { restoreRevision } from '../../services/backup/revisions';
import type { AssetRef } from '../../protocol/asset-ref';
import { revisedAssetOf } from '../../storage/revisions';
import { adminJson } from './respond';
import { parseDeliveryType, parseIds, parseResourceType } from '../../protocol/list-params';
import { revisionsOf, type RevisionRow } from '../../services/answers/full-resource';
import { briefResource } from '../../services/answers/resource-shape';

type Restored = Record<string, unknown> | { error: string };

/**
 * Restores one revision through src/services/backup/revisions.ts (a new version from
 * the backed-up bytes); a backup whose bytes are gone is reported per item.
 */
async function restoreOne(env: Env, base: UrlBase, a: AssetRef, rev: RevisionRow): Promise<Restored> {
  try {
    return briefResource(await restoreRevision(env, a, rev.version_id), base);
  } catch (err) {
    const e = err instanceof DomainError ? asCldError(err) : err;
    if (e instanceof CldError && e.status === 404) return { error: e.message };
    throw err;
  }
}

function pickRevision(revisions: RevisionRow[], versionId?: string): RevisionRow | undefined {
  if (versionId) return revisions.find((r) => r.version_id === versionId);
  return revisions[revisions.length - 1];
}

async function restoreAll(c: Context<AppEnv>, items: { key: string; ref?: AssetRef; versionId?: string }[]): Promise<Response> {
  const base = urlBase(c.env, c.req.url);
  const out: Record<string, Restored> = {};
  for (const item of items) {
    if (!item.ref) {
      out[item.key] = { error: 'Resource not found' };
      continue;
    }
    const rev = pickRevision(await revisionsOf(c.env.DB, item.ref), item.versionId);
    out[item.key] = rev
      ? await restoreOne(c.env, base, item.ref, rev)
      : { error: item.versionId ? `Version ${item.versionId} not found` : 'No backed up version found' };
  }
  return adminJson(c, out);
}

/** `POST resources/<rt>/<type>/restore` and `POST resources/restore` (JSON bodies). */
export const restoreRoutes = new Hono<AppEnv>()
  .post('/resources/:rt/:type/restore', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const resourceType = parseResourceType(c.req.param('rt'));
    const type = parseDeliveryType(c.req.param('type'));
    const p = await readParams(c.req.raw);
    const ids = parseIds(p, 'public_ids', { required: true, positional: true });
    const versions = p.list('versions');
    return restoreAll(
      c,
      ids.map((publicId, i) => ({ key: publicId, ref: { cloud: cloud.cloudName, resourceType, type, publicId }, versionId: versions[i] })),
    );
  })
  .post('/resources/restore', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const ids = parseIds(p, 'asset_ids', { required: true, positional: true });
    const versions = p.list('versions');
    const refs = new Map<string, AssetRef>();
    for (const assetId of ids) {
      const ref = await revisedAssetOf(c.env.DB, cloud.cloudName, assetId);
      if (ref) refs.set(assetId, ref);
    }
    return restoreAll(
      c,
      ids.map((assetId, i) => ({ key: assetId, ref: refs.get(assetId), versionId: versions[i] })),
    );
  });
