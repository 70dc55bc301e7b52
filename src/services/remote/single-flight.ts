import { asCldError, CldError, DomainError } from '../../errors';
import { putOriginal, type PutOriginal } from '../../storage/assets';
import { recordClaimFailure, releaseClaim, tryClaim } from '../../storage/auto-upload-claims';
import { getResource, type ResourceRow } from '../../storage/resources';
import type { AssetRef } from '../../protocol/asset-ref';

/**
 * Stores a missing asset once, however many requests ask for it at the same
 * time: within an isolate they share one promise; across isolates a claim
 * row in D1 (`auto_upload_claims`) elects one loader and the others poll for
 * its row. A failed load is kept for FAILURE_MEMORY_MS so the waiters answer
 * with its error instead of loading the origin again.
 */
export type Loaded = Omit<PutOriginal, 'ref' | 'overwrite'>;

export interface FlightTimes {
  /** A claim older than this is taken over (its holder died); longer than the load itself may take. */
  claimTtlMs: number;
  /** Pause between two looks at the claim and the row. */
  pollMs?: number;
}

const FAILURE_MEMORY_MS = 2_000;
const inflight = new Map<string, Promise<ResourceRow>>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const refKey = (a: AssetRef) => JSON.stringify([a.cloud, a.resourceType, a.type, a.publicId]);

export function storeOnce(
  env: { BUCKET: R2Bucket; DB: D1Database },
  ref: AssetRef,
  load: () => Promise<Loaded>,
  times: FlightTimes,
): Promise<ResourceRow> {
  const k = refKey(ref);
  let p = inflight.get(k);
  if (!p) {
    p = claimAndStore(env, ref, load, times).finally(() => inflight.delete(k));
    inflight.set(k, p);
  }
  return p;
}

/** The D1 half of `storeOnce`, without the in-isolate sharing (exported for tests of the cross-isolate path). */
export async function claimAndStore(
  env: { BUCKET: R2Bucket; DB: D1Database },
  ref: AssetRef,
  load: () => Promise<Loaded>,
  times: FlightTimes,
): Promise<ResourceRow> {
  const db = env.DB;
  const until = Date.now() + 2 * times.claimTtlMs;
  while (Date.now() < until) {
    const existing = await getResource(db, ref);
    if (existing) return existing;
    const claim = await tryClaim(db, ref, times.claimTtlMs);
    if (claim.kind === 'failed') throw new CldError(claim.status, claim.message);
    if (claim.kind === 'mine') return await storeClaimed(env, ref, claim.id, load, times.claimTtlMs);
    await sleep(times.pollMs ?? 150);
  }
  throw new CldError(504, `Timed out waiting for another request to store ${ref.publicId}`);
}

async function storeClaimed(
  env: { BUCKET: R2Bucket; DB: D1Database },
  ref: AssetRef,
  claimId: string,
  load: () => Promise<Loaded>,
  ttlMs: number,
): Promise<ResourceRow> {
  const db = env.DB;
  try {
    // The previous holder may have stored it just before its claim went stale.
    const resource = (await getResource(db, ref)) ?? (await putOriginal(env, { ...(await load()), ref, overwrite: false })).resource;
    await releaseClaim(db, ref, claimId);
    return resource;
  } catch (err) {
    const e = err instanceof CldError || err instanceof DomainError ? asCldError(err) : new CldError(500, 'Auto-upload failed');
    // Dated so that the claim goes stale FAILURE_MEMORY_MS from now: a later request tries the origin again.
    await recordClaimFailure(db, ref, claimId, { status: e.status, message: e.message, claimedAt: Date.now() - ttlMs + FAILURE_MEMORY_MS });
    throw err;
  }
}
