import { Hono, type Context } from 'hono';
import { adminCloud, type AppEnv } from '../api/cloud';
import type { Env } from '../env';
import { readParams } from '../http/params';
import { urlBase, type UrlBase } from '../delivery/urls';
import { purgeAsset } from '../cache/purge';
import { putOriginal } from '../storage/assets';
import type { AssetRef } from '../storage/keys';
import { getContext, getResource, getTags } from '../storage/resources';
import { ensureSchema } from '../storage/schema';
import { adminJson } from './respond';
import { parseDeliveryType, parseIds, parseResourceType } from './list-params';
import { revisionsOf, type RevisionRow } from './resource';
import { briefResource } from './shape';

type Restored = Record<string, unknown> | { error: string };

/**
 * Makes a backed-up original the current version again, through the asset
 * service: the version it replaces is itself kept as a revision, so a restore
 * can be undone. Tags and context of a current version are kept.
 */
async function restoreRevision(env: Env, base: UrlBase, a: AssetRef, rev: RevisionRow): Promise<Restored> {
  const obj = await env.BUCKET.get(rev.r2_key);
  if (!obj) return { error: `Backup of version ${rev.version_id} is missing from storage` };
  const current = await getResource(env.DB, a);
  const [tags, context] = current ? await Promise.all([getTags(env.DB, current.id), getContext(env.DB, current.id)]) : [[], {}];
  const { resource } = await putOriginal(env, {
    ref: a,
    body: obj.body,
    bytes: obj.size,
    etag: rev.etag,
    contentType: rev.content_type,
    format: rev.format,
    width: rev.width,
    height: rev.height,
    overwrite: true,
    backup: true,
    tags,
    context,
    accessMode: current?.access_mode,
    assetFolder: current?.asset_folder,
    displayName: current?.display_name,
    accessControl: current?.access_control,
  });
  await purgeAsset(env, a);
  return briefResource(resource, base);
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
    out[item.key] = rev ? await restoreRevision(c.env, base, item.ref, rev) : { error: item.versionId ? `Version ${item.versionId} not found` : 'No backed up version found' };
  }
  return adminJson(c, out);
}

/** `POST resources/<rt>/<type>/restore` and `POST resources/restore` (JSON bodies, spec §8.2). */
export const restoreRoutes = new Hono<AppEnv>()
  .post('/v1_1/:cloud/resources/:rt/:type/restore', async (c) => {
    const cloud = adminCloud(c);
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
  .post('/v1_1/:cloud/resources/restore', async (c) => {
    const cloud = adminCloud(c);
    const p = await readParams(c.req.raw);
    const ids = parseIds(p, 'asset_ids', { required: true, positional: true });
    const versions = p.list('versions');
    await ensureSchema(c.env.DB);
    const refs = new Map<string, AssetRef>();
    for (const assetId of ids) {
      const row = await c.env.DB.prepare('SELECT resource_type, type, public_id FROM revisions WHERE cloud = ? AND asset_id = ? ORDER BY id DESC LIMIT 1')
        .bind(cloud.cloudName, assetId)
        .first<{ resource_type: string; type: string; public_id: string }>();
      if (row) refs.set(assetId, { cloud: cloud.cloudName, resourceType: row.resource_type, type: row.type, publicId: row.public_id });
    }
    return restoreAll(c, ids.map((assetId, i) => ({ key: assetId, ref: refs.get(assetId), versionId: versions[i] })));
  });
