import { Hono } from 'hono';
import type { AppEnv } from '../cloud';
import { accountRoutes } from './usage';
import { readRoutes } from './read';
import { restoreRoutes } from './restore';
import { updateRoutes } from './update';
import { deleteRoutes } from './delete';
import { tagRoutes } from './tags';
import { presetRoutes } from './presets';
import { transformationRoutes } from './transformations';
import { searchRoutes } from './search';
import { folderRoutes } from './folders';
import { metadataRoutes } from './metadata';
import { bulkRoutes } from './bulk';

/**
 * The Admin API of this issue (spec §8), HTTP Basic auth per cloud. Order
 * matters where paths overlap: literal segments (`tags`, `context`,
 * `moderations`, `restore`) are registered before the public-id patterns.
 */
export const adminRoutes = new Hono<AppEnv>()
  .route('/', searchRoutes)
  .route('/', folderRoutes)
  .route('/', metadataRoutes)
  .route('/', bulkRoutes)
  .route('/', accountRoutes)
  .route('/', restoreRoutes)
  .route('/', readRoutes)
  .route('/', updateRoutes)
  .route('/', deleteRoutes)
  .route('/', tagRoutes)
  .route('/', presetRoutes)
  .route('/', transformationRoutes);
