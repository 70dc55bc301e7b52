import { Hono } from 'hono';
import type { AppEnv } from '../cloud';
import { downloadRoutes } from './download';
import { accessModeRoutes } from '../admin/access-mode';

/**
 * The API routes of access control: signed downloads and the Admin API's
 * update_access_mode. Mounted before any Admin route that takes a public id
 * from the path, which would otherwise read `update_access_mode` as one.
 */
export const accessRoutes = new Hono<AppEnv>().route('/', downloadRoutes).route('/', accessModeRoutes);
