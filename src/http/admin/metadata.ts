import { Hono } from 'hono';
import { adminCloud, type AppEnv } from '../cloud';
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

/** Structured metadata field definitions (Admin API, JSON bodies). */
export const metadataRoutes = new Hono<AppEnv>()
  .get('/v1_1/:cloud/metadata_fields', async (c) => {
    const cloud = adminCloud(c);
    return adminJson(c, await listFields(c.env.DB, cloud.cloudName));
  })
  .post('/v1_1/:cloud/metadata_fields', async (c) => {
    const cloud = adminCloud(c);
    return adminJson(c, await addField(c.env.DB, cloud.cloudName, await readJsonObject(c.req.raw)));
  })
  .put('/v1_1/:cloud/metadata_fields/order', async (c) => {
    const cloud = adminCloud(c);
    const body = await readJsonObject(c.req.raw);
    return adminJson(c, await reorderFields(c.env.DB, cloud.cloudName, body.order_by, body.direction));
  })
  .get('/v1_1/:cloud/metadata_fields/:id', async (c) => {
    const cloud = adminCloud(c);
    return adminJson(c, await getField(c.env.DB, cloud.cloudName, c.req.param('id')));
  })
  .put('/v1_1/:cloud/metadata_fields/:id', async (c) => {
    const cloud = adminCloud(c);
    return adminJson(c, await updateField(c.env.DB, cloud.cloudName, c.req.param('id'), await readJsonObject(c.req.raw)));
  })
  .delete('/v1_1/:cloud/metadata_fields/:id', async (c) => {
    const cloud = adminCloud(c);
    return adminJson(c, await deleteField(c.env.DB, cloud.cloudName, c.req.param('id')));
  })
  .put('/v1_1/:cloud/metadata_fields/:id/datasource', async (c) => {
    const cloud = adminCloud(c);
    const body = await readJsonObject(c.req.raw);
    return adminJson(c, await updateDatasource(c.env.DB, cloud.cloudName, c.req.param('id'), body.values));
  })
  .delete('/v1_1/:cloud/metadata_fields/:id/datasource', async (c) => {
    const cloud = adminCloud(c);
    const body = await readJsonObject(c.req.raw);
    return adminJson(c, await setDatasourceState(c.env.DB, cloud.cloudName, c.req.param('id'), body.external_ids, 'inactive'));
  })
  .post('/v1_1/:cloud/metadata_fields/:id/datasource_restore', async (c) => {
    const cloud = adminCloud(c);
    const body = await readJsonObject(c.req.raw);
    return adminJson(c, await setDatasourceState(c.env.DB, cloud.cloudName, c.req.param('id'), body.external_ids, 'active'));
  })
  .post('/v1_1/:cloud/metadata_fields/:id/datasource/order', async (c) => {
    const cloud = adminCloud(c);
    const body = await readJsonObject(c.req.raw);
    return adminJson(c, await orderDatasource(c.env.DB, cloud.cloudName, c.req.param('id'), body.order_by, body.direction));
  });
