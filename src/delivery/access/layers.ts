import { notFound, unauthorized } from '../../errors';
import { type ResourceRow, isDeliverable } from '../../storage/resources';
import { layeredAssetsOf, layeredResources } from '../../services/derived/layered-assets';
import type { AccessDecision, AccessInput } from './check';

/**
 * An image drawn into another's answer by `l_`/`u_` (directly or inside a
 * named transformation) keeps its own access rules: a layer that is
 * authenticated (by type or by access_mode) needs the same signature or
 * token as delivering it would, and then the whole answer is no longer
 * shareable; a layer rejected by moderation is as missing as when delivered.
 * A private image's derived versions are public, so as a layer it is allowed.
 */
const needsProof = (r: ResourceRow) => r.type === 'authenticated' || r.access_mode === 'authenticated';

export async function checkLayerAccess(a: AccessInput, transformations: string[], decision: AccessDecision): Promise<AccessDecision> {
  const layers = layeredAssetsOf(transformations);
  if (!layers.length) return decision;
  let shareable = decision.shareable;
  for (const r of await layeredResources(a.env.DB, a.d.cloud, layers)) {
    if (!isDeliverable(r)) throw notFound(`Resource not found - ${r.public_id}`);
    if (!needsProof(r)) continue;
    if (!decision.proof.signed && !decision.proof.token)
      throw unauthorized(`Layer ${r.public_id} requires authenticated access: sign the URL or add a valid token`);
    shareable = false;
  }
  return { shareable, proof: decision.proof };
}
