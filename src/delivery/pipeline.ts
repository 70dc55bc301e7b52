import type { Env } from '../config/env';
import { deliveryErrorResponse } from '../errors';
import { withAccessPolicy } from './access/check';
import { parseUrl, resolveCloud, checkRequest } from './request';
import { planTransformation } from './plan';
import { edgeCache } from './edge-cache';
import { findSource } from './source';
import { checkHit, checkResource, edgeLifetime, forEdgeCache, needsHitCheck } from './resource-checks';
import { derive, wantsOriginal } from './derive';
import { respondDerived, respondOriginal } from './respond';
import { answerRange } from './range';
import { withServerTiming } from './server-timing';

/**
 * GET/HEAD of a delivery URL, as one list of stages over one context
 * (src/delivery/context.ts), each stage a small function of its own file:
 *
 *   1. parse URL        request.ts          the path as a typed DeliveryRequest (a cloud's own host may omit the cloud)
 *   2. resolve cloud    request.ts          404 for a cloud not served here
 *   3. request checks   request.ts          video, signature, token, strict transformations
 *   4. plan             plan.ts             named transformations expanded, parsed: once
 *   5. edge cache       edge-cache.ts       HIT (after the resource checks) or MISS:
 *   6.   source         source.ts           stored asset, fetched or auto-uploaded original, d_ default
 *   7.   resource checks resource-checks.ts access mode, strict originals
 *   8.   derive         derive.ts           the derived object from R2 or made once (ensureDerived)
 *   9.   respond        respond.ts          bytes and headers, 304/HEAD, access policy
 *
 * Any stage throws a CldError to answer with its status and X-Cld-Error.
 * A `Range` request gets its slice of the whole answer at the end (range.ts);
 * an original reads only that slice from R2 (respond.ts). With SERVER_TIMING=true
 * the answer says its cache outcome and binding calls (server-timing.ts).
 */
export async function deliver(req: Request, env: Env, ctx?: ExecutionContext): Promise<Response> {
  return withServerTiming(env, answerRange(req, await deliverWhole(req, env, ctx)));
}

async function deliverWhole(req: Request, env: Env, ctx?: ExecutionContext): Promise<Response> {
  try {
    const parsed = await parseUrl({ req, env, ctx });
    const located = resolveCloud(parsed);
    const checked = await checkRequest(located);
    const planned = await planTransformation(checked);
    return await edgeCache(planned, {
      checkHit: () => checkHit(planned),
      produce: async () => {
        const sourced = await findSource(planned);
        const access = await checkResource(sourced);
        const answer = wantsOriginal(sourced.target) ? await respondOriginal(sourced) : respondDerived(sourced, await derive(sourced));
        return {
          response: withAccessPolicy(answer, access),
          decision: forEdgeCache(sourced, access),
          hitCheck: needsHitCheck(sourced),
          maxAgeSeconds: edgeLifetime(sourced),
        };
      },
    });
  } catch (err) {
    return deliveryErrorResponse(err);
  }
}
