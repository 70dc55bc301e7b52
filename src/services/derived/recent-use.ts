import type { DerivedUse } from '../../storage/derived-usage';

/**
 * Last uses of derived images served from R2, kept by the isolate so that the
 * hit costs no D1 write. They reach D1 in batches: through the queue once the
 * isolate holds FLUSH_SIZE of them or the oldest is FLUSH_AGE_MS old (one
 * message, written by the consumer in one statement), and directly before this
 * isolate evicts beyond an asset's cap, so the eviction sees its own isolate's
 * uses. Uses still held by other isolates can be at most FLUSH_AGE_MS late:
 * the LRU order is approximate by that much, never wrong about what exists.
 */
const FLUSH_SIZE = 200;
const FLUSH_AGE_MS = 300_000;

const pending = new Map<string, number>();
let oldest: number | undefined;

/** Notes one use; answers the batch due for the queue, if this use made one due. */
export function noteDerivedUse(key: string, now = Date.now()): DerivedUse[] | undefined {
  pending.set(key, now);
  oldest ??= now;
  return pending.size >= FLUSH_SIZE || now - oldest >= FLUSH_AGE_MS ? takeDerivedUses() : undefined;
}

/** Every use held, taken out of the isolate. */
export function takeDerivedUses(): DerivedUse[] {
  const uses = [...pending].map(([key, at]) => ({ key, at }));
  pending.clear();
  oldest = undefined;
  return uses;
}
