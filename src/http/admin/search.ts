import { Hono } from 'hono';
import { adminAuth, type AppEnv } from '../cloud';
import { readParams } from '../../protocol/params';
import { urlBase } from '../../protocol/urls';
import { parseSearchRequest } from '../../protocol/search/request';
import { runSearch } from '../../services/search/run';
import { adminJson } from './respond';

/** The Search API: `cloudinary.search...execute()` posts its JSON query here (the Node SDK as `resources%2Fsearch`). */
export const searchRoutes = new Hono<AppEnv>().post('/resources/search', adminAuth, async (c) => {
  const cloud = c.get('cloud');
  const q = parseSearchRequest(await readParams(c.req.raw));
  const answer = await runSearch(c.env, cloud.cloudName, urlBase(c.env, c.req.url), q);
  return adminJson(c, answer.body, answer.dbMs);
});
