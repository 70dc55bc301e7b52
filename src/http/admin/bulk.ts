import { Hono } from 'hono';
import { badRequest } from '../../errors';
import { adminAuth, type AppEnv } from '../cloud';
import { readParams } from '../../protocol/params';
import { parseDeliveryType, parseIds, parseResourceType } from '../../protocol/list-params';
import { urlBase } from '../../protocol/urls';
import { publish } from '../../services/bulk/publish';
import { deleteBackedUpVersions } from '../../services/backup/delete-backups';
import { adminJson } from './respond';
import { parseSelector } from './selector';

/** The cursor of a publish page: the last public id, base64url. */
const cursorOf = (publicId: string) => btoa(String.fromCharCode(...new TextEncoder().encode(publicId)));
function afterCursor(raw: string | undefined): string {
  if (!raw) return '';
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(raw), (ch) => ch.charCodeAt(0)));
  } catch {
    throw badRequest(`Invalid next_cursor ${raw}`);
  }
}

/** `publish_by_ids|prefix|tag` and `delete_backed_up_assets`. */
export const bulkRoutes = new Hono<AppEnv>()
  .post('/resources/:rt/publish_resources', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const scope = {
      cloud: cloud.cloudName,
      resourceType: parseResourceType(c.req.param('rt')),
      type: parseDeliveryType(p.string('type') || 'upload'),
    };
    const result = await publish(c.env, urlBase(c.env, c.req.url), scope, parseSelector(p), afterCursor(p.string('next_cursor')));
    return adminJson(c, {
      published: result.published,
      failed: result.failed,
      ...(result.last ? { next_cursor: cursorOf(result.last) } : {}),
    });
  })
  .delete('/resources/backup/:assetId', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    return adminJson(c, await deleteBackedUpVersions(c.env, cloud.cloudName, c.req.param('assetId'), parseIds(p, 'version_ids')));
  });
