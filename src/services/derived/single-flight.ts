import { releaseLease, takeLease, type HeldLease } from '../../storage/derived';

/**
 * One computation per derived image, however many requests ask for it at
 * once. Inside an isolate, callers of the same key share one promise. Across
 * isolates, a short lease row in D1 names the one holder; the others wait for
 * its result to appear (or for the lease to run out, then try again).
 */
const inflight = new Map<string, Promise<unknown>>();

export function shared<T>(key: string, run: () => Promise<T>): Promise<T> {
  const running = inflight.get(key) as Promise<T> | undefined;
  if (running) return running;
  const p = run().finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

/** How long a holder may take before another isolate may take over (a crashed holder must not block forever). */
export const LEASE_MS = 20_000;
/** How often a waiting isolate looks for the holder's result. */
const POLL_MS = 100;

/**
 * A lease held. `held` lets the work release it in a call it makes anyway (the
 * derived row's, src/storage/derived.ts `recordDerived`), after which
 * `release` costs nothing.
 */
export interface Lease {
  release(): Promise<void>;
  held: HeldLease & { released: boolean };
}

/** Takes the lease when it is free or expired; undefined when another isolate holds it. */
export async function tryLease(db: D1Database, key: string, now = Date.now()): Promise<Lease | undefined> {
  const holder = crypto.randomUUID();
  if (!(await takeLease(db, key, holder, now + LEASE_MS, now))) return undefined;
  const held = { key, holder, released: false };
  return {
    held,
    release: async () => {
      if (held.released) return;
      held.released = true;
      await releaseLease(db, key, holder);
    },
  };
}

/**
 * Computes under the lease, or waits for another holder's result. `lookup`
 * reads the finished result (from R2); `compute` makes and stores it.
 */
export async function underLease<T>(
  db: D1Database,
  key: string,
  lookup: () => Promise<T | undefined>,
  compute: (lease?: Lease) => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + LEASE_MS + 2 * POLL_MS;
  for (let waited = false; ; waited = true) {
    const lease = await tryLease(db, key);
    if (lease) {
      try {
        // A holder we waited for may have finished just before it let go.
        const done = waited ? await lookup() : undefined;
        return done ?? (await compute(lease));
      } finally {
        await lease.release();
      }
    }
    const found = await lookup();
    if (found !== undefined) return found;
    if (Date.now() > deadline) return compute();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
