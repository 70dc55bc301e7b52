import { randomId } from '../auth/crypto';
import type { AssetRef } from '../protocol/asset-ref';

/**
 * The `auto_upload_claims` table: which request is loading a missing asset
 * from its origin now (across isolates), and a recent failure to report to
 * the others without asking the origin again.
 */
export type Claim = { kind: 'mine'; id: string } | { kind: 'held' } | { kind: 'failed'; status: number; message: string };

const MATCH = 'cloud = ? AND resource_type = ? AND type = ? AND public_id = ?';
const ids = (a: AssetRef) => [a.cloud, a.resourceType, a.type, a.publicId] as const;

/** Takes the claim when it is free or older than `ttlMs`; else says who holds it or how it failed. */
export async function tryClaim(db: D1Database, ref: AssetRef, ttlMs: number): Promise<Claim> {
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

export async function releaseClaim(db: D1Database, ref: AssetRef, claimId: string): Promise<void> {
  await db
    .prepare(`DELETE FROM auto_upload_claims WHERE ${MATCH} AND claim_id = ?`)
    .bind(...ids(ref), claimId)
    .run();
}

/** Keeps a failure on the claim, dated `claimedAt` (which decides when it goes stale). */
export async function recordClaimFailure(
  db: D1Database,
  ref: AssetRef,
  claimId: string,
  failure: { status: number; message: string; claimedAt: number },
): Promise<void> {
  await db
    .prepare(`UPDATE auto_upload_claims SET failure_status = ?, failure_message = ?, claimed_at = ? WHERE ${MATCH} AND claim_id = ?`)
    .bind(failure.status, failure.message, failure.claimedAt, ...ids(ref), claimId)
    .run();
}
