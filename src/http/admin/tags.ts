import { Hono } from 'hono';
import { adminAuth, type AppEnv } from '../cloud';
import { readParams } from '../../protocol/params';
import { decodeCursor } from '../../storage/cursor';
import { listTags } from '../../storage/tags';
import { adminJson } from './respond';
import { parseMaxResults, parseResourceType } from '../../protocol/list-params';

/** `GET tags/<rt>`: tag names with `prefix`, `max_results`, `next_cursor`. */
export const tagRoutes = new Hono<AppEnv>().get('/tags/:rt', adminAuth, async (c) => {
  const cloud = c.get('cloud');
  const rt = parseResourceType(c.req.param('rt'));
  const p = await readParams(c.req.raw);
  const cursor = p.string('next_cursor');
  const page = await listTags(c.env.DB, {
    cloud: cloud.cloudName,
    resourceType: rt,
    prefix: p.string('prefix') ?? '',
    after: cursor ? (decodeCursor(cursor, 's')[0] as string) : undefined,
    max: parseMaxResults(p),
  });
  return adminJson(c, page.nextCursor ? { tags: page.tags, next_cursor: page.nextCursor } : { tags: page.tags }, page.dbMs);
});
