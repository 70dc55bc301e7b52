import type { Env } from '../config/env';
import { findCloud } from '../config/clouds';
import { parseDeliveryPath } from '../protocol/delivery-url';
import { addUsage, usageValues } from '../storage/usage';
import { logEvent } from '../log';

/**
 * Usage counters (requests, transformations, bandwidth) kept in D1's
 * `usage_counters`, per cloud, as a running total and per UTC day
 * (`<metric>@YYYY-MM-DD`). Counting must not slow delivery down, so counts
 * gather in this isolate and are written together shortly after, in the
 * background (one batch for all requests of that moment). A count still
 * pending when an isolate is evicted is lost: the figures are close, not exact.
 */
export type Metric = 'requests' | 'transformations' | 'bandwidth';

/** How long counts gather before they are written. */
const FLUSH_DELAY_MS = 1_000;

const pending = new Map<string, number>();
let scheduled = false;

const day = (d = new Date()) => d.toISOString().slice(0, 10);
const sep = '\u0000';

function countUsage(env: Pick<Env, 'DB'>, ctx: Pick<ExecutionContext, 'waitUntil'>, cloud: string, metric: Metric, n = 1): void {
  if (n <= 0) return;
  for (const key of [`${cloud}${sep}${metric}`, `${cloud}${sep}${metric}@${day()}`]) pending.set(key, (pending.get(key) ?? 0) + n);
  if (scheduled) return;
  scheduled = true;
  ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, FLUSH_DELAY_MS)).then(() => flushUsage(env.DB)));
}

/** Writes the counts gathered so far; on failure they stay pending for the next flush. */
export async function flushUsage(db: D1Database): Promise<void> {
  scheduled = false;
  const entries = [...pending];
  pending.clear();
  if (!entries.length) return;
  try {
    await addUsage(
      db,
      entries.map(([key, n]) => {
        const [cloud, metric] = key.split(sep);
        return [cloud, metric, n] as const;
      }),
    );
  } catch (err) {
    for (const [key, n] of entries) pending.set(key, (pending.get(key) ?? 0) + n);
    logEvent('error', 'usage counters not written', { error: err });
  }
}

/** The counters of a cloud: totals, or those of one UTC day (`YYYY-MM-DD`). */
export async function readUsage(db: D1Database, cloud: string, onDay?: string): Promise<Record<Metric, number>> {
  const names: Metric[] = ['requests', 'transformations', 'bandwidth'];
  const keys = names.map((m) => (onDay ? `${m}@${onDay}` : m));
  const byKey = await usageValues(db, cloud, keys);
  return Object.fromEntries(names.map((m, i) => [m, byKey.get(keys[i]) ?? 0])) as Record<Metric, number>;
}

/**
 * Counts one delivery: a request of its cloud, the bytes sent, and a
 * transformation when a transformed image was produced rather than taken
 * from the edge cache.
 */
export function countDelivery(env: Env, ctx: Pick<ExecutionContext, 'waitUntil'>, req: Request, res: Response): void {
  const url = new URL(req.url);
  const cloud = decodeURIComponent(url.pathname.split('/')[1] ?? '');
  if (!findCloud(env, cloud)) return;
  countUsage(env, ctx, cloud, 'requests');
  if (res.status !== 200) return;
  if (req.method === 'GET') countUsage(env, ctx, cloud, 'bandwidth', Number(res.headers.get('Content-Length') ?? 0));
  if (res.headers.get('X-Cache') === 'HIT') return;
  try {
    if (parseDeliveryPath(url.pathname, url.search.slice(1)).transformations.length) countUsage(env, ctx, cloud, 'transformations');
  } catch {
    // not a delivery URL after all: nothing more to count
  }
}
