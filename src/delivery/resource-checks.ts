import { resourceForHit } from '../services/cache/resource-memo';
import { checkResourceAccess, type AccessDecision } from './access/check';
import { checkLayerAccess } from './access/layers';
import { wantsOriginal } from './derive';
import { isDeliverable } from '../storage/resources';
import type { Planned, Sourced } from './context';

/**
 * Stage "resource checks": what depends on the asset itself (access mode,
 * strict originals), with the verdict of the request checks; for a derived
 * answer, also the access rules of every asset drawn into it as a layer.
 */
export async function checkResource(c: Sourced): Promise<AccessDecision> {
  const checked = await checkResourceAccess(c, c.target.resource, c.decision);
  return wantsOriginal(c.target) ? checked : checkLayerAccess(c, c.planned.components, checked);
}

/** What the edge cache may do: a default image stands in for an asset that may appear later, so it is never shared. */
export const forEdgeCache = (c: Sourced, decision: AccessDecision): AccessDecision =>
  c.target.substitute ? { ...decision, shareable: false } : decision;

/**
 * The same checks for an edge-cache hit, against the asset's row (kept per
 * isolate for a short while). A missing or rejected asset is answered as a
 * miss, where the default image or the 404 is decided.
 */
export async function checkHit(c: Planned): Promise<AccessDecision> {
  const { d } = c;
  const stored = await resourceForHit(c.env.DB, { cloud: d.cloud, resourceType: d.resourceType, type: d.type, publicId: d.publicId });
  if (!stored || !isDeliverable(stored)) return { ...c.decision, shareable: false };
  return checkLayerAccess(c, c.planned.components, await checkResourceAccess(c, stored, c.decision));
}
