import { Hono } from 'hono';
import { badRequest } from '../../errors';
import { adminCloud, type AppEnv } from '../cloud';
import { getSettings, parseSettingsPatch, updateSettings } from '../../config/settings';
import { checkHostsFree } from '../../config/hosts';

/** The settings extension (INTERFACE.md): GET the whole object, PUT a partial JSON update. */
export const settingsRoutes = new Hono<AppEnv>()
  .get('/v1_1/:cloud/settings', async (c) => {
    const cloud = adminCloud(c);
    return c.json(await getSettings(c.env.CONFIG, cloud.cloudName, { fresh: true }));
  })
  .put('/v1_1/:cloud/settings', async (c) => {
    const cloud = adminCloud(c);
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      throw badRequest('Settings must be a JSON object');
    }
    const patch = parseSettingsPatch(body);
    if (patch.hosts) await checkHostsFree(c.env, cloud.cloudName, patch.hosts);
    return c.json(await updateSettings(c.env.CONFIG, cloud.cloudName, patch));
  });
