import { Hono } from 'hono';
import { adminAuth, type AppEnv } from '../cloud';
import { badRequest, notFound } from '../../errors';
import { readParams, type Params } from '../../protocol/params';
import { urlBase } from '../../protocol/urls';
import { purgeAsset } from '../../services/cache/purge';
import { parseContext } from '../../services/upload/context';
import { assignMetadata, parseMetadataParam } from '../../services/metadata/assign';
import { getResource, refOf, type ResourceRow } from '../../storage/resources';
import { updateAsset, type AssetUpdate } from '../../storage/assets';
import type { AssetRef } from '../../protocol/asset-ref';
import { adminJson } from './respond';
import { parseDeliveryType, parseResourceType } from '../../protocol/list-params';
import { fullFromRow } from '../../services/answers/full-resource';
import { onModerationChange, type ModerationStatus } from '../../services/moderation/on-change';
import { notifyAssetChanges } from '../../services/jobs/change-notifications';

/** Add-ons this worker does not have: any value for them is illegal, as Cloudinary says for add-ons a cloud lacks. */
const ADD_ONS = [
  'ocr',
  'raw_convert',
  'categorization',
  'detection',
  'background_removal',
  'auto_tagging',
  'similarity_search',
  'visual_search',
];
const MODERATION_STATUSES: readonly ModerationStatus[] = ['approved', 'rejected'];

/** An `update` request, parsed: only what was given is changed. */
interface ResourceUpdate {
  tags?: string[];
  context?: Record<string, string>;
  moderationStatus?: ModerationStatus;
  accessControl?: string | null;
  assetFolder?: string;
  displayName?: string;
  coordinates?: { faces?: number[][]; custom?: number[][] };
}

/** `x,y,w,h|x,y,w,h` (`custom_coordinates`, `face_coordinates`) into rectangles of integers. */
function parseCoordinates(key: string, raw: string): number[][] {
  if (raw === '') return [];
  return raw.split('|').map((rect) => {
    const n = rect.split(',').map((v) => v.trim());
    if (n.length !== 4 || !n.every((v) => /^\d+$/.test(v)))
      throw badRequest(`Illegal value ${raw} for parameter ${key}: expected x,y,width,height`);
    return n.map(Number);
  });
}

function parseUpdate(p: Params): ResourceUpdate {
  for (const k of ADD_ONS) if (p.has(k)) throw badRequest(`Illegal value ${p.string(k)} for parameter ${k}: this add-on is not available`);
  const u: ResourceUpdate = {};
  if (p.fields.tags !== undefined) u.tags = [...new Set(p.list('tags'))];
  if (p.fields.context !== undefined) u.context = parseContext(p.string('context'));
  if (p.has('moderation_status')) {
    const s = p.string('moderation_status') as ModerationStatus;
    if (!MODERATION_STATUSES.includes(s)) throw badRequest(`Illegal value ${s} for parameter moderation_status: use approved or rejected`);
    u.moderationStatus = s;
  }
  if (p.fields.access_control !== undefined) {
    const raw = p.string('access_control') ?? '';
    if (raw === '') u.accessControl = null;
    else {
      let acl: unknown;
      try {
        acl = JSON.parse(raw);
      } catch {
        throw badRequest(`Illegal value ${raw} for parameter access_control: expected JSON`);
      }
      const list = Array.isArray(acl) ? acl : [acl];
      if (!list.every((e) => typeof e === 'object' && e !== null && typeof (e as { access_type?: unknown }).access_type === 'string')) {
        throw badRequest(`Illegal value ${raw} for parameter access_control: each entry needs an access_type`);
      }
      u.accessControl = JSON.stringify(list);
    }
  }
  if (p.fields.asset_folder !== undefined) u.assetFolder = (p.string('asset_folder') ?? '').replace(/^\/+|\/+$/g, '');
  if (p.has('display_name')) u.displayName = p.string('display_name');
  const faces =
    p.fields.face_coordinates !== undefined ? parseCoordinates('face_coordinates', p.string('face_coordinates') ?? '') : undefined;
  const custom =
    p.fields.custom_coordinates !== undefined ? parseCoordinates('custom_coordinates', p.string('custom_coordinates') ?? '') : undefined;
  if (faces || custom) u.coordinates = { ...(faces ? { faces } : {}), ...(custom ? { custom } : {}) };
  return u;
}

/** The update as the asset service takes it: given coordinates merge into the stored ones. */
function assetUpdate(row: ResourceRow, u: ResourceUpdate): AssetUpdate {
  const { coordinates, ...rest } = u;
  if (!coordinates) return rest;
  const merged = { ...(row.coordinates ? (JSON.parse(row.coordinates) as object) : {}), ...coordinates };
  return { ...rest, coordinates: JSON.stringify(merged) };
}

async function findOrThrow(db: D1Database, a: AssetRef): Promise<ResourceRow> {
  const row = await getResource(db, a);
  if (!row) throw notFound(`Resource not found - ${a.publicId}`);
  return row;
}

/** `POST resources/<rt>/<type>/<public_id>`: tags, context, moderation and descriptive fields. */
export const updateRoutes = new Hono<AppEnv>().post('/resources/:rt/:type/:publicId{.+}', adminAuth, async (c, next) => {
  // Paths that share this shape but belong to other endpoints.
  if (['update_access_mode', 'restore'].includes(c.req.param('publicId'))) return next();
  const cloud = c.get('cloud');
  const ref = {
    cloud: cloud.cloudName,
    resourceType: parseResourceType(c.req.param('rt')),
    type: parseDeliveryType(c.req.param('type')),
    publicId: c.req.param('publicId'),
  };
  const p = await readParams(c.req.raw);
  const u = parseUpdate(p);
  const metadata = p.has('metadata')
    ? await parseMetadataParam(c.env.DB, cloud.cloudName, p.string('metadata') ?? '', p.bool('clear_invalid', false))
    : null;
  const before = await findOrThrow(c.env.DB, ref);
  await updateAsset(c.env.DB, before, assetUpdate(before, u));
  if (metadata) await assignMetadata(c.env, cloud.cloudName, [before.id], metadata);
  const after = await findOrThrow(c.env.DB, ref);
  if (u.moderationStatus && u.moderationStatus !== before.moderation_status) {
    await onModerationChange(c.env, {
      resource: after,
      kind: after.moderation_kind ?? 'manual',
      from: before.moderation_status,
      to: u.moderationStatus,
      base: urlBase(c.env, c.req.url),
    });
  }
  if (u.accessControl !== undefined) await purgeAsset(c.env, refOf(after));
  await notifyAssetChanges(c.env, before, after, { tags: u.tags, context: u.context, metadata: metadata ?? undefined });
  return adminJson(c, await fullFromRow(c.env.DB, urlBase(c.env, c.req.url), after, { derivedMax: 100, versions: false, related: false }));
});
