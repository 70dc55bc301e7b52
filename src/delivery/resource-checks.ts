import { resourceForHit } from '../services/cache/resource-memo';
import { checkResourceAccess, type AccessDecision } from './access/check';
import { checkLayerAccess } from './access/layers';
import { wantsOriginal } from './derive';
import { isDeliverable } from '../storage/resources';
import { layeredAssetsOf } from '../services/derived/layered-assets';
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

/**
 * What the edge cache may do: a default image stands in for an asset that may
 * appear later, and an answer conditional on tags, context or metadata changes
 * when they do (no purge follows those writes), so neither is shared.
 */
export const forEdgeCache = (c: Sourced, decision: AccessDecision): AccessDecision =>
  c.target.substitute || dependsOnAssetData(c.planned.components) ? { ...decision, shareable: false } : decision;

/** `if_` conditions on tags (`_in_tags`), context (`ctx:`) or structured metadata (`md:`). */
const ASSET_DATA_CONDITION = /(?:^|,)if_[^,]*(?:_in_tags|_nin_tags|ctx:|md:)/;
const dependsOnAssetData = (components: readonly string[]) => components.some((t) => ASSET_DATA_CONDITION.test(decoded(t)));
/** A component as written, when its percent-encoding is malformed: never a reason to fail the answer. */
const decoded = (t: string) => {
  try {
    return decodeURIComponent(t);
  } catch {
    return t;
  }
};

/**
 * Whether a hit of this answer must re-run the asset checks (checkHit) even
 * where purges reach every data centre: an `access_control` window opens and
 * closes with time, and a layer's access can change without a purge of the
 * answers it was drawn into. Every other change purges before it is acknowledged.
 */
export const needsHitCheck = (c: Sourced): boolean =>
  c.target.resource.access_control !== null || layeredAssetsOf(c.planned.components).length > 0;

/**
 * The same checks for an edge-cache hit, against the asset's row (kept per
 * isolate for a short while). A missing or rejected asset is answered as a
 * miss, where the default image or the 404 is decided.
 */
export async function checkHit(c: Planned): Promise<AccessDecision> {
  const { d } = c;
  // A fetched original has no asset row: its domain was checked before the lookup.
  if (d.type === 'fetch') return c.decision;
  const stored = await resourceForHit(c.env.DB, { cloud: d.cloud, resourceType: d.resourceType, type: d.type, publicId: d.publicId });
  if (!stored || !isDeliverable(stored)) return { ...c.decision, shareable: false };
  return checkLayerAccess(c, c.planned.components, await checkResourceAccess(c, stored, c.decision));
}

/** How long the edge cache may keep this answer: a fetched original's answers no longer than its kept copy is fresh (seconds). */
export const edgeLifetime = (c: Sourced, now = Date.now()): number | undefined =>
  c.target.freshUntil === undefined ? undefined : Math.max(0, Math.floor((c.target.freshUntil - now) / 1000));
