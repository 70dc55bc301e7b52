import { asCldError, CldError, DomainError } from '../../errors';
import { randomId } from '../../auth/crypto';
import { putOriginal, type PutOriginal } from '../../storage/assets';
import { ensureSchema } from '../../storage/schema';
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

type Claim = { kind: 'mine'; id: string } | { kind: 'held' } | { kind: 'failed'; status: number; message: string };

const MATCH = 'cloud = ? AND resource_type = ? AND type = ? AND public_id = ?';
const ids = (a: AssetRef) => [a.cloud, a.resourceType, a.type, a.publicId] as const;

async function tryClaim(db: D1Database, ref: AssetRef, ttlMs: number): Promise<Claim> {
  const id = randomId(16);
  const now = Date.now();
  const won = await db
    .prepare(
      `INSERT INTO auto_upload_claims (cloud, resource_type, type, public_id, claim_id, claimed_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (cloud, resource_type, type, public_id) DO UPDATE SET
         claim_id = excluded.claim_id, claimed_at = excluded.claimed_at, failure_status = NULL, failure_message = NULL
       WHERE auto_upload_claims.claimed_at < ?
       RETURNING claim_id`,
    )
    .bind(...ids(ref), id, now, now - ttlMs)
    .first<{ claim_id: string }>();
  if (won?.claim_id === id) return { kind: 'mine', id };
  const held = await db
    .prepare(`SELECT failure_status, failure_message FROM auto_upload_claims WHERE ${MATCH}`)
    .bind(...ids(ref))
    .first<{ failure_status: number | null; failure_message: string | null }>();
  if (held?.failure_status) return { kind: 'failed', status: held.failure_status, message: held.failure_message ?? 'Auto-upload failed' };
  return { kind: 'held' };
}

/** The D1 half of `storeOnce`, without the in-isolate sharing (exported for tests of the cross-isolate path). */
export async function claimAndStore(
  env: { BUCKET: R2Bucket; DB: D1Database },
  ref: AssetRef,
  load: () => Promise<Loaded>,
  times: FlightTimes,
): Promise<ResourceRow> {
  const db = env.DB;
  await ensureSchema(db);
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
    await db
      .prepare(`DELETE FROM auto_upload_claims WHERE ${MATCH} AND claim_id = ?`)
      .bind(...ids(ref), claimId)
      .run();
    return resource;
  } catch (err) {
    const e = err instanceof CldError || err instanceof DomainError ? asCldError(err) : new CldError(500, 'Auto-upload failed');
    // Dated so that the claim goes stale FAILURE_MEMORY_MS from now: a later request tries the origin again.
    await db
      .prepare(`UPDATE auto_upload_claims SET failure_status = ?, failure_message = ?, claimed_at = ? WHERE ${MATCH} AND claim_id = ?`)
      .bind(e.status, e.message, Date.now() - ttlMs + FAILURE_MEMORY_MS, ...ids(ref), claimId)
      .run();
    throw err;
  }
}
