import { badRequest, notFound } from '../../errors';
import type { AssetRef } from '../../protocol/asset-ref';
import { RESOURCE_TYPES } from '../../protocol/delivery-url';
import { resourcesByAssetIds } from '../../storage/listing';
import { getResource, type ResourceRow } from '../../storage/resources';
import { relate, unrelate } from '../../storage/related';

/** Cloudinary relates an asset to at most 10 others per call. */
const MAX_RELATED_PER_CALL = 10;
const ASSET_ID = /^[0-9a-f]{32}$/;

/** The asset a call is about: by its public id (`rt/type/public_id` path) or its asset id. */
export type AssetKey = { by: 'ref'; ref: AssetRef } | { by: 'asset_id'; cloud: string; assetId: string };

/** One entry of Cloudinary's `success` / `failed` lists. */
interface Outcome {
  message: string;
  code: string;
  asset: string;
  status: number;
}

/** `rt/type/public_id` or a 32-hex asset id, as `assets_to_relate` names them. */
function parseTarget(cloud: string, raw: string): AssetKey | null {
  if (ASSET_ID.test(raw)) return { by: 'asset_id', cloud, assetId: raw };
  const [rt, type, ...rest] = raw.split('/');
  const publicId = rest.join('/');
  if (!(RESOURCE_TYPES as readonly string[]).includes(rt) || !type || !publicId) return null;
  return { by: 'ref', ref: { cloud, resourceType: rt, type, publicId } };
}

async function find(db: D1Database, k: AssetKey): Promise<ResourceRow | null> {
  if (k.by === 'ref') return getResource(db, k.ref);
  const [row] = await resourcesByAssetIds(db, k.cloud, [k.assetId]);
  return row ?? null;
}

function parseTargets(raw: unknown, key: string): string[] {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (!list.length) throw badRequest(`Missing required parameter - ${key}`);
  if (list.length > MAX_RELATED_PER_CALL) throw badRequest(`Too many ${key}: at most ${MAX_RELATED_PER_CALL} per request`);
  if (!list.every((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 1024)) throw badRequest(`Invalid ${key}`);
  return [...new Set(list)];
}

/**
 * The targets found (in the cloud of the asset: another cloud's asset id or
 * public id finds nothing) and a `failed` entry for each one not found.
 */
async function resolveTargets(db: D1Database, self: ResourceRow, names: string[]) {
  const found: { name: string; row: ResourceRow }[] = [];
  const failed: Outcome[] = [];
  for (const name of names) {
    const key = parseTarget(self.cloud, name);
    const row = key ? await find(db, key) : null;
    if (!key) failed.push({ message: `Invalid asset ${name}`, code: 'invalid_ids', asset: name, status: 400 });
    else if (!row) failed.push({ message: 'resource does not exist', code: 'not_found_ids', asset: name, status: 404 });
    else if (row.id === self.id)
      failed.push({ message: 'an asset cannot be related to itself', code: 'invalid_ids', asset: name, status: 400 });
    else found.push({ name, row });
  }
  return { found, failed };
}

async function subject(db: D1Database, k: AssetKey): Promise<ResourceRow> {
  const row = await find(db, k);
  if (!row) throw notFound(`Resource not found - ${k.by === 'ref' ? k.ref.publicId : k.assetId}`);
  return row;
}

/** `add_related_assets[_by_asset_id]`: relates the asset and each target both ways. */
export async function addRelated(db: D1Database, k: AssetKey, assetsToRelate: unknown, now: string) {
  const self = await subject(db, k);
  const { found, failed } = await resolveTargets(db, self, parseTargets(assetsToRelate, 'assets_to_relate'));
  const existing = await relate(
    db,
    self,
    found.map((f) => f.row),
    now,
  );
  const success: Outcome[] = found.map(({ name, row }) =>
    existing.has(row.id)
      ? { message: 'resource already exists', code: 'already_exists_ids', asset: name, status: 200 }
      : { message: 'success', code: 'success_ids', asset: name, status: 200 },
  );
  return { failed, success };
}

/** `delete_related_assets[_by_asset_id]`: removes the relations both ways. */
export async function deleteRelated(db: D1Database, k: AssetKey, assetsToUnrelate: unknown) {
  const self = await subject(db, k);
  const { found, failed } = await resolveTargets(db, self, parseTargets(assetsToUnrelate, 'assets_to_unrelate'));
  const existing = await unrelate(
    db,
    self,
    found.map((f) => f.row),
  );
  const success: Outcome[] = [];
  for (const { name, row } of found) {
    if (existing.has(row.id)) success.push({ message: 'success', code: 'success_ids', asset: name, status: 200 });
    else failed.push({ message: 'relation does not exist', code: 'not_found_ids', asset: name, status: 404 });
  }
  return { failed, success };
}
