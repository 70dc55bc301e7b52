import type { Env } from '../../config/env';
import type { ResourceRow } from '../../storage/resources';
import { notifyCloud } from './admin-notifications';

/** What an Admin API `update` changed besides moderation (which notifies on its own). */
export interface AssetChanges {
  tags?: string[];
  context?: Record<string, string>;
  metadata?: Map<string, string[]>;
}

const who = (r: ResourceRow) => ({ resource_type: r.resource_type, type: r.type, asset_id: r.asset_id });

/**
 * The notifications Cloudinary sends for changes to one asset through the
 * Admin API: `resource_tags_changed`, `resource_context_changed`,
 * `resource_metadata_changed` (keyed by public id, as the Upload API's
 * add_context / update_metadata send them), `resource_display_name_changed`,
 * and `move` when the asset folder changed (dynamic folder mode's move of an asset).
 */
export async function notifyAssetChanges(env: Env, before: ResourceRow, after: ResourceRow, c: AssetChanges): Promise<void> {
  const id = after.public_id;
  const sends: [string, Record<string, unknown>][] = [];
  if (c.tags) sends.push(['resource_tags_changed', { resources: { [id]: { ...who(after), tags: c.tags } } }]);
  if (c.context) sends.push(['resource_context_changed', { resources: { [id]: { ...who(after), command: 'set', context: c.context } } }]);
  if (c.metadata?.size)
    sends.push(['resource_metadata_changed', { resources: { [id]: { ...who(after), metadata: Object.fromEntries(c.metadata) } } }]);
  if (before.display_name !== after.display_name)
    sends.push([
      'resource_display_name_changed',
      { resources: { [id]: { ...who(after), from_display_name: before.display_name, to_display_name: after.display_name } } },
    ]);
  if (before.asset_folder !== after.asset_folder)
    sends.push([
      'move',
      { resources: { [id]: { ...who(after), from_asset_folder: before.asset_folder, to_asset_folder: after.asset_folder } } },
    ]);
  for (const [type, payload] of sends) await notifyCloud(env, after.cloud, type, payload);
}
