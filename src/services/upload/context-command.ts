import { badRequest } from '../../errors';
import { type Params, required } from '../../protocol/params';
import { changeContext, selectAssets } from '../../storage/selection';
import { notifyCloud } from '../jobs/admin-notifications';
import type { ManageContext } from './manage';
import { oneOf, STORAGE_TYPES } from './options';
import { parseContext } from './context';

const COMMANDS = ['add', 'remove_all'] as const;
/** Cloudinary takes at most 1000 public ids per context call. */
const MAX_IDS = 1000;

/**
 * `add_context(context, public_ids)` / `remove_all_context(public_ids)`
 * (`POST <rt>/context`, signed): answers `{"public_ids": [...]}` with the ids
 * that exist, and notifies the cloud's notification_url of the change.
 */
export async function contextCommand(ctx: ManageContext, params: Params): Promise<{ public_ids: string[] }> {
  const command = oneOf(params, 'command', COMMANDS, 'add');
  const context = command === 'add' ? parseContext(required(params, 'context')) : {};
  if (command === 'add' && !Object.keys(context).length) throw badRequest('Missing required parameter - context');
  const ids = [...new Set(params.list('public_ids'))];
  if (!ids.length) required(params, 'public_ids');
  if (ids.length > MAX_IDS) throw badRequest(`Too many public_ids: at most ${MAX_IDS}`);
  const scope = { cloud: ctx.cloud.cloudName, resourceType: ctx.resourceType, type: oneOf(params, 'type', STORAGE_TYPES, 'upload') };
  const rows = [];
  for (let i = 0; i < ids.length; i += 100)
    rows.push(...(await selectAssets(ctx.env.DB, scope, { by: 'ids', ids: ids.slice(i, i + 100) }, 100)));
  await changeContext(
    ctx.env.DB,
    scope.cloud,
    rows.map((r) => r.id),
    command,
    context,
  );
  const found = new Set(rows.map((r) => r.public_id));
  const publicIds = ids.filter((id) => found.has(id));
  if (publicIds.length) {
    await notifyCloud(ctx.env, scope.cloud, 'resource_context_changed', {
      resources: Object.fromEntries(publicIds.map((id) => [id, { resource_type: scope.resourceType, type: scope.type, command, context }])),
    });
  }
  return { public_ids: publicIds };
}
