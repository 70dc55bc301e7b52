import type { Env } from '../../config/env';
import { configFrom } from '../../config/config';
import { findFaces } from '../../engine/engine';
import type { Area } from '../../engine/types';
import { CldError } from '../../errors';
import { BudgetRefusal } from '../../engine/budget';
import { recordAnalysis } from '../../storage/assets';
import type { ResourceRow } from '../../storage/resources';
import { logEvent } from '../../log';
import { mergeInfo } from './semantic';

/**
 * Finds the faces of an asset the first time a delivery needs them (the first
 * `g_face`, `c_auto` or `e_blur_faces` of an asset or a fetched image) and
 * records them with the version they were found in, so that later variants
 * and the Admin API read them instead of detecting again. An image the
 * detector cannot read has no faces: the delivery then falls back as it
 * would for a photo without people (and its own decode reports the error).
 */
export async function detectAndRecord(env: Env, r: ResourceRow, bytes: Uint8Array): Promise<Area[]> {
  let faces: Area[];
  try {
    faces = await findFaces(bytes, configFrom(env).limits);
  } catch (err) {
    // A busy engine fails this delivery (as any budget refusal does) rather than caching a crop made without the faces.
    if (!(err instanceof CldError) || err instanceof BudgetRefusal) throw err;
    logEvent('warn', 'face detection refused', { public_id: r.public_id, error: err.message });
    return [];
  }
  await recordAnalysis(env.DB, r, mergeInfo(r.info, { faces: faces.map((f) => [f.x, f.y, f.width, f.height]) }));
  return faces;
}
