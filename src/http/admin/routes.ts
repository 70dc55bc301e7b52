import { Hono } from 'hono';
import type { AppEnv } from '../cloud';
import { apiErrorResponse } from '../../errors';
import { accountRoutes } from './usage';
import { readRoutes } from './read';
import { restoreRoutes } from './restore';
import { updateRoutes } from './update';
import { deleteRoutes } from './delete';
import { tagRoutes } from './tags';
import { presetRoutes } from './presets';
import { transformationRoutes } from './transformations';
import { settingsRoutes } from './settings';
import { uploadMappingRoutes } from './upload-mappings';
import { accessModeRoutes } from './access-mode';
import { purgeRoutes } from './purge';
import { searchRoutes } from './search';
import { folderRoutes } from './folders';
import { metadataRoutes } from './metadata';
import { bulkRoutes } from './bulk';
import { relatedRoutes } from './related';

/**
 * The Admin API (https://cloudinary.com/documentation/admin_api) and this
 * worker's extensions (settings, purge), mounted under `/v1_1/<cloud>`. Every
 * route authenticates with its cloud's key and secret (adminAuth) before its
 * handler runs, and errors leave as Cloudinary's JSON with a status the SDKs
 * parse (one error boundary for the whole API). Order matters where paths
 * overlap: literal segments (`resources/search`, `folders`, `tags`, `context`,
 * `moderations`, `restore`, `update_access_mode`) come before the public-id patterns.
 */
export const adminApi = new Hono<AppEnv>()
  .onError((err) => apiErrorResponse(err, 'admin'))
  .route('/', searchRoutes)
  .route('/', folderRoutes)
  .route('/', metadataRoutes)
  .route('/', bulkRoutes)
  .route('/', relatedRoutes)
  .route('/', accountRoutes)
  .route('/', settingsRoutes)
  .route('/', uploadMappingRoutes)
  .route('/', purgeRoutes)
  .route('/', accessModeRoutes)
  .route('/', restoreRoutes)
  .route('/', readRoutes)
  .route('/', updateRoutes)
  .route('/', deleteRoutes)
  .route('/', tagRoutes)
  .route('/', presetRoutes)
  .route('/', transformationRoutes);
