import type { Env } from '../../config/env';
import { notFound } from '../../errors';
import { configFrom } from '../../config/config';
import type { ResourceRow } from '../../storage/resources';
import { derivedObjectKey, indexDerived, readDerived, storeDerived, variantHash, type DerivedObject } from './store';
import { runPlan } from '../../engine/engine';
import { inspectSource } from '../../engine/inspect';
import { pdfPageSource } from '../../engine/pdf/page-source';
import { layerSources } from './layer-sources';
import type { Resolved } from '../../engine/negotiate';
import { shared, underLease, type Lease } from './single-flight';
import type { Plan } from '../../engine/types';
import type { DerivationBudget } from './derivation-budget';
import { dropLeastRecentlyUsed, recordDerivedUses } from '../../storage/derived-usage';
import { noteDerivedUse, takeDerivedUses } from './recent-use';
import { enqueueDerivedUses } from '../jobs/derived-uses';
import { logEvent } from '../../log';
import type { AssetFacts } from '../../engine/expressions/evaluate';
import { usesAssetFacts, usesFaces } from '../../engine/resolve-plan';
import { detectAndRecord } from '../analysis/faces';
import { assetFacts, factsKey } from './asset-facts';

/** How a caller asks for a derived image. */
export interface DeriveOptions {
  /** Eager generation (Upload API `eager`, `explicit`, eager jobs): the `derived` row is marked eager (strict transformations read it). */
  eager?: boolean;
  /** The original's bytes when the caller holds them already (an upload), so they are not read back from R2. */
  original?: Uint8Array;
  /** Delivery only: spent once if this request makes a new derived image (absent for signed and token requests, which spend nothing). */
  budget?: DerivationBudget;
  /** Where bookkeeping that must not hold the answer back goes (the request's waitUntil). */
  waitUntil?: (work: Promise<unknown>) => void;
}

/**
 * The stored derived object of one variant, for delivery and eager
 * generation alike: read from R2, or made once (single flight inside the
 * isolate, a D1 lease across isolates) and stored. An eager request that finds
 * the variant made (or joins a delivery making it) only marks its row eager.
 */
export async function ensureDerived(
  env: Env,
  resource: ResourceRow,
  plan: Plan,
  resolved: Resolved,
  opts: DeriveOptions = {},
): Promise<DerivedObject & { key: string }> {
  const eager = opts.eager === true;
  // Transformations that read tags, context or coordinates are a variant per value of them.
  const facts = usesAssetFacts(plan.components) ? await assetFacts(env.DB, resource) : undefined;
  // The first delivery that needs the faces finds them, once for every later variant (recorded with the resource).
  let original = opts.original;
  if (facts && facts.faces === undefined && usesFaces(plan.components)) {
    original ??= await originalBytes(env, resource);
    facts.faces = await detectAndRecord(env, resource, original);
    facts.faceCount = facts.faces.length;
  }
  const variant = variantOf(plan, resolved, facts);
  const key = derivedObjectKey(resource, await variantHash(variant));
  const found = await stored(env, key, false);
  // The last use for the per-asset cap is only noted here (no D1 write on a hit); a due batch goes to the queue.
  const due = found && resource.type !== 'fetch' ? noteDerivedUse(key) : undefined;
  if (due) await keepInBackground(opts, enqueueDerivedUses(env, due));
  const made =
    found ??
    (await shared(key, () =>
      underLease(
        env.DB,
        key,
        () => stored(env, key, true),
        async (lease) => ({
          ...(await makeDerived(env, resource, plan, resolved, variant, key, { ...opts, original }, facts, lease)),
          eagerRecorded: eager,
        }),
      ),
    ));
  if (eager && !made.eagerRecorded) await indexDerived(env.DB, resource, key, variant, made, true);
  return { ...made, key };
}

/** A variant already in R2, made by someone else: whether its row says eager is not known here (an eager caller marks it). */
async function stored(env: Env, key: string, asBytes: boolean): Promise<(DerivedObject & { eagerRecorded: boolean }) | undefined> {
  const found = await readDerived(env.BUCKET, key, asBytes);
  return found && { ...found, eagerRecorded: false };
}

/** What identifies one stored variant: the canonical transformation plus every value resolved from the request. */
export function variantOf(plan: Plan, r: Resolved, facts?: AssetFacts): string {
  const parts = [plan.canonical, r.format];
  if (plan.dependsOn.accept) parts.push(`q${r.quality}`);
  if (plan.dependsOn.dpr) parts.push(`dpr${r.dpr}`);
  if (plan.dependsOn.width) parts.push(`w${r.width ?? 'none'}`);
  if (facts) parts.push(`facts${factsKey(facts)}`);
  return parts.join('|');
}

async function makeDerived(
  env: Env,
  resource: ResourceRow,
  plan: Plan,
  resolved: Resolved,
  variant: string,
  key: string,
  opts: DeriveOptions,
  facts?: AssetFacts,
  lease?: Lease,
): Promise<DerivedObject> {
  await opts.budget?.();
  // A PDF's page is its source (pg_ picks which), as for the engine's own callers (transformImage).
  const { input, plan: pagePlan } = pdfPageSource(opts.original ?? (await originalBytes(env, resource)), plan);
  const info = inspectSource(input);
  const limits = configFrom(env).limits;
  const result = await runPlan(
    input,
    info,
    pagePlan,
    { ...resolved, lossless: resolved.lossless && !info.lossy },
    limits,
    layerSources(env, resource.cloud),
    facts,
  );
  const { stored, variants } = await storeDerived(env, {
    resource,
    key,
    transformation: variant,
    format: result.format,
    bytes: result.bytes,
    contentType: result.contentType,
    width: result.width,
    height: result.height,
    eager: opts.eager === true,
    lease: lease?.held,
  });
  if (opts.eager !== true && resource.type !== 'fetch' && limits.maxDerivedPerAsset > 0 && variants >= limits.maxDerivedPerAsset)
    await evictBeyondCap(env, resource, limits.maxDerivedPerAsset);
  return stored;
}

/** The per-asset cap: the least recently used delivery-made variants beyond it leave the index, then R2. */
async function evictBeyondCap(env: Env, resource: ResourceRow, cap: number): Promise<void> {
  // This isolate's noted uses first, so the order below counts them.
  await recordDerivedUses(env.DB, takeDerivedUses());
  const keys = await dropLeastRecentlyUsed(env.DB, resource.id, cap);
  if (keys.length) await env.BUCKET.delete(keys);
}

/** Bookkeeping that must not hold the answer back (handed to waitUntil); without one it is awaited. Its failure is only logged. */
async function keepInBackground(context: DeriveOptions, work: Promise<unknown>): Promise<void> {
  const logged = work.catch((err) => logEvent('error', 'derived bookkeeping failed', { error: err }));
  if (context.waitUntil) context.waitUntil(logged);
  else await logged;
}

async function originalBytes(env: Env, resource: ResourceRow): Promise<Uint8Array> {
  const original = await env.BUCKET.get(resource.r2_key);
  if (!original) throw notFound(`Resource not found - ${resource.public_id}`);
  return new Uint8Array(await original.arrayBuffer());
}
