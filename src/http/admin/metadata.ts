import { Hono } from 'hono';
import { adminAuth, type AppEnv } from '../cloud';
import { adminJson } from './respond';
import { readJsonObject } from './json-body';
import {
  addField,
  deleteField,
  getField,
  listFields,
  orderDatasource,
  reorderFields,
  setDatasourceState,
  updateDatasource,
  updateField,
} from '../../services/metadata/fields';
import { addRule, deleteRule, listRules, updateRule } from '../../services/metadata/rules';

/** Structured metadata field definitions and rules (Admin API, JSON bodies). */
export const metadataRoutes = new Hono<AppEnv>()
  .get('/metadata_rules', adminAuth, async (c) => adminJson(c, await listRules(c.env.DB, c.get('cloud').cloudName)))
  .post('/metadata_rules', adminAuth, async (c) =>
    adminJson(c, await addRule(c.env.DB, c.get('cloud').cloudName, await readJsonObject(c.req.raw))),
  )
  .put('/metadata_rules/:id', adminAuth, async (c) =>
    adminJson(c, await updateRule(c.env.DB, c.get('cloud').cloudName, c.req.param('id'), await readJsonObject(c.req.raw))),
  )
  .delete('/metadata_rules/:id', adminAuth, async (c) =>
    adminJson(c, await deleteRule(c.env.DB, c.get('cloud').cloudName, c.req.param('id'))),
  )
  .get('/metadata_fields', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    return adminJson(c, await listFields(c.env.DB, cloud.cloudName));
  })
  .post('/metadata_fields', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    return adminJson(c, await addField(c.env.DB, cloud.cloudName, await readJsonObject(c.req.raw)));
  })
  .put('/metadata_fields/order', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const body = await readJsonObject(c.req.raw);
    return adminJson(c, await reorderFields(c.env.DB, cloud.cloudName, body.order_by, body.direction));
  })
  .get('/metadata_fields/:id', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    return adminJson(c, await getField(c.env.DB, cloud.cloudName, c.req.param('id')));
  })
  .put('/metadata_fields/:id', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    return adminJson(c, await updateField(c.env.DB, cloud.cloudName, c.req.param('id'), await readJsonObject(c.req.raw)));
  })
  .delete('/metadata_fields/:id', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    return adminJson(c, await deleteField(c.env.DB, cloud.cloudName, c.req.param('id')));
  })
  .put('/metadata_fields/:id/datasource', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const body = await readJsonObject(c.req.raw);
    return adminJson(c, await updateDatasource(c.env.DB, cloud.cloudName, c.req.param('id'), body.values));
  })
  .delete('/metadata_fields/:id/datasource', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const body = await readJsonObject(c.req.raw);
    return adminJson(c, await setDatasourceState(c.env.DB, cloud.cloudName, c.req.param('id'), body.external_ids, 'inactive'));
  })
  .post('/metadata_fields/:id/datasource_restore', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const body = await readJsonObject(c.req.raw);
    return adminJson(c, await setDatasourceState(c.env.DB, cloud.cloudName, c.req.param('id'), body.external_ids, 'active'));
  })
  .post('/metadata_fields/:id/datasource/order', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const body = await readJsonObject(c.req.raw);
    return adminJson(c, await orderDatasource(c.env.DB, cloud.cloudName, c.req.param('id'), body.order_by, body.direction));
  });
