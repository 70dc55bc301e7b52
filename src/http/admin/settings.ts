import { Hono } from 'hono';
import { badRequest } from '../../errors';
import { adminAuth, type AppEnv } from '../cloud';
import { getSettings, parseSettingsPatch, updateSettings } from '../../config/settings';
import { checkHostsFree } from '../../config/hosts';

/** The settings extension (not a Cloudinary API): GET the whole object, PUT a partial JSON update. */
export const settingsRoutes = new Hono<AppEnv>()
  .get('/settings', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    return c.json(await getSettings(c.env.CONFIG, cloud.cloudName, { fresh: true }));
  })
  .put('/settings', adminAuth, async (c) => {
    const cloud = c.get('cloud');
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
