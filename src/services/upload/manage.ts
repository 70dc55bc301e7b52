import type { Env } from '../../config/env';
import type { CloudCredentials } from '../../config/clouds';
import type { UrlBase } from '../../protocol/urls';
import { invalidateAsset, purgeAsset } from '../cache/purge';
import { applyTagCommand, destroyAsset, renameAsset, TAG_COMMANDS, updateAssetMeta } from '../../storage/assets';
import { getContext, getResource, getTags, type ResourceRow } from '../../storage/resources';
import type { AssetRef } from '../../protocol/asset-ref';
import { notFound } from '../../errors';
import { type Params, required } from '../../protocol/params';
import { oneOf, parseCoordinates, STORAGE_TYPES } from './options';
import { parseContext } from './context';
import { validatePublicId } from './public-id';
import { redeemDeleteToken } from '../../storage/delete-tokens';
import { uploadResult } from './result';
import { assignMetadata, parseMetadataParam } from '../metadata/assign';
import { metadataAnswers } from '../metadata/answer';

/** What every call on existing assets works with. */
export interface ManageContext {
  env: Env;
  cloud: CloudCredentials;
  base: UrlBase;
  resourceType: 'image' | 'raw';
}

/** Cloudinary's `invalidate=true`: the cached URL forms of the version that was served (src/services/cache/purge.ts). */
async function invalidate(env: Env, a: AssetRef, served: ResourceRow | null): Promise<void> {
  if (served) await invalidateAsset(env, a, { previousVersion: served.version });
}

/** The asset answer (upload JSON) with its current tags and context. */
export async function assetAnswer(ctx: ManageContext, r: ResourceRow): Promise<Record<string, unknown>> {
  const answer = await uploadResult(r, {
    base: ctx.base,
    apiSecret: ctx.cloud.apiSecret,
    tags: await getTags(ctx.env.DB, r.id),
    context: await getContext(ctx.env.DB, r.id),
  });
  const metadata = (await metadataAnswers(ctx.env.DB, r.cloud, [r.id])).get(r.id) ?? {};
  if (Object.keys(metadata).length) answer.metadata = metadata;
  return answer;
}

/** `destroy`: `{"result":"ok"}` or `{"result":"not found"}`, both with 200, as Cloudinary answers. */
export async function destroy(ctx: ManageContext, params: Params): Promise<{ result: string }> {
  const ref: AssetRef = {
    cloud: ctx.cloud.cloudName,
    resourceType: ctx.resourceType,
    type: oneOf(params, 'type', STORAGE_TYPES, 'upload'),
    publicId: required(params, 'public_id'),
  };
  const removed = await destroyAsset(ctx.env, ref);
  if (!removed) return { result: 'not found' };
  // Every form, `invalidate` or not: edge hits read no database, so a destroyed asset must leave the cache now.
  await purgeAsset(ctx.env, ref);
  return { result: 'ok' };
}

/** `rename`: honours overwrite (default false) and to_type; answers with the moved asset. */
export async function rename(ctx: ManageContext, params: Params): Promise<Record<string, unknown>> {
  const type = oneOf(params, 'type', STORAGE_TYPES, 'upload');
  const from: AssetRef = { cloud: ctx.cloud.cloudName, resourceType: ctx.resourceType, type, publicId: required(params, 'from_public_id') };
  const to: AssetRef = {
    ...from,
    type: oneOf(params, 'to_type', STORAGE_TYPES, type),
    publicId: validatePublicId(required(params, 'to_public_id')),
  };
  const target = await getResource(ctx.env.DB, to);
  const moved = await renameAsset(ctx.env, from, to, { overwrite: params.bool('overwrite', false) });
  // Whether or not `invalidate` was sent (edge hits read no database): the old name serves nothing, an overwritten target its new bytes.
  await purgeAsset(ctx.env, from);
  if (target) await purgeAsset(ctx.env, to);
  return assetAnswer(ctx, moved);
}

/** `tags`: add, remove, replace, remove_all, set_exclusive over several public ids. */
export async function tags(ctx: ManageContext, params: Params): Promise<{ public_ids: string[] }> {
  const command = oneOf(params, 'command', TAG_COMMANDS, 'add');
  const tagList = params.list('tag');
  if (command !== 'remove_all' && !tagList.length) required(params, 'tag');
  const publicIds = params.list('public_ids');
  if (!publicIds.length) required(params, 'public_ids');
  const scope = { cloud: ctx.cloud.cloudName, resourceType: ctx.resourceType, type: oneOf(params, 'type', STORAGE_TYPES, 'upload') };
  return { public_ids: await applyTagCommand(ctx.env.DB, scope, publicIds, command, tagList) };
}

/** `explicit` without eager: updates tags, context and coordinates of an existing asset. */
export async function explicitMeta(ctx: ManageContext, params: Params): Promise<{ ref: AssetRef; row: ResourceRow }> {
  const ref: AssetRef = {
    cloud: ctx.cloud.cloudName,
    resourceType: ctx.resourceType,
    type: oneOf(params, 'type', STORAGE_TYPES, 'upload'),
    publicId: required(params, 'public_id'),
  };
  const coordinates = parseCoordinates(params);
  const metadata = params.has('metadata')
    ? await parseMetadataParam(ctx.env.DB, ref.cloud, params.string('metadata') ?? '', params.bool('clear_invalid', false))
    : null;
  const row = await updateAssetMeta(ctx.env, ref, {
    tags: params.fields.tags !== undefined ? params.list('tags') : undefined,
    context: params.fields.context !== undefined ? parseContext(params.string('context')) : undefined,
    coordinates: coordinates ? JSON.stringify(coordinates) : undefined,
  });
  if (!row) throw notFound(`Resource not found - ${ref.publicId}`);
  if (metadata) await assignMetadata(ctx.env, ref.cloud, [row.id], metadata);
  if (params.bool('invalidate', false)) await invalidate(ctx.env, ref, row);
  return { ref, row };
}

/** `delete_by_token`: no signature; the token itself is the permission, for 10 minutes. */
export async function deleteByToken(env: Env, cloud: CloudCredentials, params: Params): Promise<{ result: string }> {
  const ref = await redeemDeleteToken(env.DB, cloud.cloudName, required(params, 'token'));
  const removed = await destroyAsset(env, ref);
  if (!removed) return { result: 'not found' };
  await purgeAsset(env, ref);
  return { result: 'ok' };
}
