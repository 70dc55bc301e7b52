import type { AssetRef } from '../../protocol/asset-ref';
import { getResource, type ResourceRow } from '../../storage/resources';

/**
 * The resource rows cache hits are checked against (access mode, moderation),
 * kept per isolate for a short time so a hit costs no D1 read. Purge and
 * invalidation forget an asset at once in their isolate; elsewhere a change
 * is seen within ISOLATE_TTL_MS, as with the settings memo.
 */
const ISOLATE_TTL_MS = 5_000;
const MAX_ENTRIES = 1_000;
const memo = new Map<string, { at: number; row: ResourceRow | null }>();

const memoKey = (a: AssetRef) => `${a.cloud}\u0000${a.resourceType}\u0000${a.type}\u0000${a.publicId}`;

export async function resourceForHit(db: D1Database, a: AssetRef): Promise<ResourceRow | null> {
  const k = memoKey(a);
  const hit = memo.get(k);
  if (hit && Date.now() - hit.at < ISOLATE_TTL_MS) return hit.row;
  return remember(a, await getResource(db, a));
}

/** Keeps a row just read (the miss path reads it anyway). */
export function remember(a: AssetRef, row: ResourceRow | null): ResourceRow | null {
  const k = memoKey(a);
  memo.delete(k);
  if (memo.size >= MAX_ENTRIES) memo.delete(memo.keys().next().value!);
  memo.set(k, { at: Date.now(), row });
  return row;
}

export function forgetResource(a: AssetRef): void {
  memo.delete(memoKey(a));
}
