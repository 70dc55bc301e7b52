import type { Env } from '../../config/env';
import type { AssetRef } from '../../protocol/asset-ref';
import { getResource } from '../../storage/resources';
import { semanticFields, wantsAnalysis, type SemanticRequest } from './semantic';
import { semanticDataOf } from './stored';

/**
 * The Admin API's resource details with the semantic data asked for
 * (`colors`, `phash`, `image_metadata`/`exif`, `faces`): stored at upload, or
 * computed now from the original and stored for next time.
 */
export async function withSemanticData(
  env: Env,
  a: AssetRef,
  details: Record<string, unknown>,
  req: SemanticRequest,
): Promise<Record<string, unknown>> {
  if (!wantsAnalysis(req)) return details;
  const row = await getResource(env.DB, a);
  if (!row) return details;
  return { ...details, ...semanticFields(await semanticDataOf(env, row, req), req) };
}
