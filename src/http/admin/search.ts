import { Hono } from 'hono';
import { adminCloud, type AppEnv } from '../cloud';
import { readParams } from '../../protocol/params';
import { urlBase } from '../../protocol/urls';
import { parseSearchRequest } from '../../protocol/search/request';
import { runSearch } from '../../services/search/run';
import { adminJson } from './respond';

/** The Search API: `cloudinary.search...execute()` posts its JSON query here (the Node SDK as `resources%2Fsearch`). */
export const searchRoutes = new Hono<AppEnv>().post('/v1_1/:cloud/resources/search', async (c) => {
  const cloud = adminCloud(c);
  const q = parseSearchRequest(await readParams(c.req.raw));
  const answer = await runSearch(c.env, cloud.cloudName, urlBase(c.env, c.req.url), q);
  return adminJson(c, answer.body, answer.dbMs);
});
