import type { Env } from '../../config/env';
import { notFound } from '../../errors';
import { configFrom } from '../../config/config';
import type { ResourceRow } from '../../storage/resources';
import { recordAnalysis } from '../../storage/assets';
import { givenFaces } from './given-faces';
import { analyse, mergeInfo, parseInfo, type SemanticData, type SemanticRequest } from './semantic';

/** What of a request is not yet in the stored data. */
function missing(have: SemanticData, req: SemanticRequest, r: ResourceRow): SemanticRequest {
  return {
    colors: req.colors && !have.colors,
    phash: req.phash && !have.phash,
    imageMetadata: (req.imageMetadata || req.exif) && !have.image_metadata,
    exif: false,
    faces: req.faces && !have.faces && !givenFaces(r),
    qualityAnalysis: req.qualityAnalysis && !have.quality_analysis,
  };
}

/**
 * The semantic data of an asset's current original: what is stored in
 * `resources.info` for this version, plus whatever else was asked, computed
 * from the original in R2 and stored for the Admin API's resource details.
 */
export async function semanticDataOf(env: Env, r: ResourceRow, req: SemanticRequest): Promise<SemanticData> {
  const data = await storedOrAnalysed(env, r, req);
  // Faces given with face_coordinates replace the detected ones (kept in `info` for when the given ones are removed).
  const faces = req.faces ? givenFaces(r) : null;
  return faces ? { ...data, faces } : data;
}

async function storedOrAnalysed(env: Env, r: ResourceRow, req: SemanticRequest): Promise<SemanticData> {
  const have = parseInfo(r.info);
  const todo = missing(have, req, r);
  if (!todo.colors && !todo.phash && !todo.imageMetadata && !todo.faces && !todo.qualityAnalysis) return have;
  const obj = await env.BUCKET.get(r.r2_key);
  if (!obj) throw notFound(`Resource not found - ${r.public_id}`);
  const bytes = new Uint8Array(await obj.arrayBuffer());
  const fresh = await analyse(bytes, todo, configFrom(env).limits, r.resource_type === 'image');
  const info = mergeInfo(r.info, fresh);
  // Only for the version analysed: a newer upload meanwhile has its own data.
  await recordAnalysis(env.DB, r, info);
  return parseInfo(info);
}
