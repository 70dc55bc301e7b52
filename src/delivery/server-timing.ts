import { configFrom } from '../config/config';
import type { Env } from '../config/env';
import { BINDING_KINDS, meterOf } from '../config/metered-bindings';

/**
 * With SERVER_TIMING=true, every delivery answer says what it cost, in the
 * form INTERFACE.md fixes: the edge-cache outcome, then per binding the calls
 * this request made and their total milliseconds, e.g.
 * `cache;desc="HIT", d1;count=0;dur=0, r2;count=0;dur=0, kv;count=1;dur=0.4, queue;count=0;dur=0, cacheapi;count=1;dur=1.2`.
 * Work left to waitUntil (the edge-cache put) happens after and is not in it.
 */
export function withServerTiming(env: Env, res: Response): Response {
  const meter = meterOf(env);
  if (!meter || !configFrom(env).serverTiming) return res;
  const outcome = res.headers.get('X-Cache') === 'HIT' ? 'HIT' : 'MISS';
  const metrics = BINDING_KINDS.map((k) => `${k};count=${meter[k].count};dur=${Math.round(meter[k].ms * 10) / 10}`);
  const out = new Response(res.body, res);
  out.headers.set('Server-Timing', [`cache;desc="${outcome}"`, ...metrics].join(', '));
  return out;
}
