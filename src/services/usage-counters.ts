import type { Env } from '../config/env';
import { findCloud } from '../config/clouds';
import { parseDeliveryPath } from '../protocol/delivery-url';
import { usageValues } from '../storage/usage';
import type { UsageCounters } from '../storage/usage-object';
import { logEvent } from '../log';

/**
 * Usage counters (requests, transformations, bandwidth) per cloud, as a
 * running total and per UTC day (`<metric>@YYYY-MM-DD`), kept by the cloud's
 * Durable Object (src/storage/usage-object.ts), not in D1: every isolate of
 * every data centre adds to them, and that write load belongs to the cloud,
 * not to the one database. Counting must not slow delivery down, so counts
 * gather in this isolate and are sent together shortly after, in the
 * background (one call per cloud for all requests of that moment). A count
 * still pending when an isolate is evicted is lost: the figures are close, not
 * exact. Counts written to D1's `usage_counters` before are still added in.
 */
export type Metric = 'requests' | 'transformations' | 'bandwidth';

/** How long counts gather before they are written. */
const FLUSH_DELAY_MS = 1_000;

const pending = new Map<string, number>();
let scheduled = false;

const day = (d = new Date()) => d.toISOString().slice(0, 10);
const sep = '\u0000';

function countUsage(env: Pick<Env, 'USAGE'>, ctx: Pick<ExecutionContext, 'waitUntil'>, cloud: string, metric: Metric, n = 1): void {
  if (n <= 0) return;
  for (const key of [`${cloud}${sep}${metric}`, `${cloud}${sep}${metric}@${day()}`]) pending.set(key, (pending.get(key) ?? 0) + n);
  if (scheduled) return;
  scheduled = true;
  ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, FLUSH_DELAY_MS)).then(() => flushUsage(env)));
}

const counterOf = (env: Pick<Env, 'USAGE'>, cloud: string) => {
  const ns = env.USAGE as unknown as DurableObjectNamespace<UsageCounters>;
  return ns.get(ns.idFromName(cloud));
};

/** Sends the counts gathered so far, one call per cloud; on failure they stay pending for the next flush. */
export async function flushUsage(env: Pick<Env, 'USAGE'>): Promise<void> {
  scheduled = false;
  const byCloud = new Map<string, [string, number][]>();
  for (const [key, n] of pending) {
    const [cloud, metric] = key.split(sep);
    byCloud.set(cloud, [...(byCloud.get(cloud) ?? []), [metric, n]]);
  }
  pending.clear();
  await Promise.all(
    [...byCloud].map(async ([cloud, counts]) => {
      try {
        await counterOf(env, cloud).add(counts);
      } catch (err) {
        for (const [metric, n] of counts) pending.set(`${cloud}${sep}${metric}`, (pending.get(`${cloud}${sep}${metric}`) ?? 0) + n);
        logEvent('error', 'usage counters not written', { error: err });
      }
    }),
  );
}

/** The counters of a cloud: totals, or those of one UTC day (`YYYY-MM-DD`). */
export async function readUsage(env: Pick<Env, 'USAGE' | 'DB'>, cloud: string, onDay?: string): Promise<Record<Metric, number>> {
  const names: Metric[] = ['requests', 'transformations', 'bandwidth'];
  const keys = names.map((m) => (onDay ? `${m}@${onDay}` : m));
  const [kept, before] = await Promise.all([counterOf(env, cloud).values(keys), usageValues(env.DB, cloud, keys)]);
  return Object.fromEntries(names.map((m, i) => [m, (kept[keys[i]] ?? 0) + (before.get(keys[i]) ?? 0)])) as Record<Metric, number>;
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
