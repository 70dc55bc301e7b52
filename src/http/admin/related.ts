import { Hono } from 'hono';
import { adminAuth, type AppEnv } from '../cloud';
import { parseDeliveryType, parseResourceType } from '../../protocol/list-params';
import { addRelated, deleteRelated, type AssetKey } from '../../services/related/related';
import { adminJson } from './respond';
import { readJsonObject } from './json-body';

const now = () => new Date().toISOString();

/** `add_related_assets`, `delete_related_assets` and their `_by_asset_id` forms (JSON bodies). */
export const relatedRoutes = new Hono<AppEnv>()
  .post('/resources/related_assets/:rt/:type/:publicId{.+}', adminAuth, async (c) => {
    const body = await readJsonObject(c.req.raw);
    return adminJson(c, await addRelated(c.env.DB, byRef(c.get('cloud').cloudName, c.req.param()), body.assets_to_relate, now()));
  })
  .post('/resources/related_assets/:assetId', adminAuth, async (c) => {
    const body = await readJsonObject(c.req.raw);
    const key: AssetKey = { by: 'asset_id', cloud: c.get('cloud').cloudName, assetId: c.req.param('assetId') };
    return adminJson(c, await addRelated(c.env.DB, key, body.assets_to_relate, now()));
  })
  .delete('/resources/related_assets/:rt/:type/:publicId{.+}', adminAuth, async (c) => {
    const body = await readJsonObject(c.req.raw);
    return adminJson(c, await deleteRelated(c.env.DB, byRef(c.get('cloud').cloudName, c.req.param()), body.assets_to_unrelate));
  })
  .delete('/resources/related_assets/:assetId', adminAuth, async (c) => {
    const body = await readJsonObject(c.req.raw);
    const key: AssetKey = { by: 'asset_id', cloud: c.get('cloud').cloudName, assetId: c.req.param('assetId') };
    return adminJson(c, await deleteRelated(c.env.DB, key, body.assets_to_unrelate));
  });

function byRef(cloud: string, p: { rt: string; type: string; publicId: string }): AssetKey {
  return { by: 'ref', ref: { cloud, resourceType: parseResourceType(p.rt), type: parseDeliveryType(p.type), publicId: p.publicId } };
}
