import type { Env } from '../../config/env';
import type { UrlBase } from '../../protocol/urls';
import { refOf } from '../../storage/resources';
import { selectAssets, setAccessMode, type Scope, type Selector } from '../../storage/selection';
import { briefResource } from '../answers/resource-shape';
import { purgeAsset } from '../cache/purge';
import { notifyCloud } from '../jobs/admin-notifications';

/** Assets published per call: each changed one costs a purge. */
const PUBLISH_PAGE = 100;

/**
 * `publish_by_ids|prefix|tag` (`POST resources/<rt>/publish_resources`):
 * restricted assets (`access_mode: authenticated`) become public, and every
 * cached answer of each changed asset is purged (cached denials are none, but
 * the asset's cached variants were made under the old mode) and one `publish`
 * notification lists them. Ids not found are reported in `failed`.
 */
export async function publish(env: Env, base: UrlBase, scope: Scope, sel: Selector, after = '') {
  const rows = await selectAssets(env.DB, scope, sel, PUBLISH_PAGE + 1, after);
  const more = sel.by !== 'ids' && rows.length > PUBLISH_PAGE;
  const page = more ? rows.slice(0, PUBLISH_PAGE) : rows;
  const changed = page.filter((r) => r.access_mode !== 'public');
  await setAccessMode(
    env.DB,
    changed.map((r) => r.id),
    'public',
  );
  for (const r of changed) await purgeAsset(env, refOf(r));
  if (changed.length) {
    await notifyCloud(env, scope.cloud, 'publish', {
      resources: changed.map((r) => ({
        asset_id: r.asset_id,
        public_id: r.public_id,
        resource_type: r.resource_type,
        type: r.type,
        access_mode: 'public',
        previous_access_mode: r.access_mode,
      })),
    });
  }
  const found = new Set(page.map((r) => r.public_id));
  return {
    published: page.map((r) => briefResource({ ...r, access_mode: 'public' }, base)),
    failed:
      sel.by === 'ids' ? sel.ids.filter((id) => !found.has(id)).map((id) => ({ public_id: id, error: `Resource not found - ${id}` })) : [],
    last: more ? page[page.length - 1].public_id : undefined,
  };
}
