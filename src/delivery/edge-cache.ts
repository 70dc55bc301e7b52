import type { AccessDecision } from './access/check';
import type { Planned } from './context';
import { etagMatches, respondWithBody } from '../protocol/delivery-headers';
import { cacheKey } from '../protocol/cache-key';
import { recordEntry } from '../storage/cache-entries';
import { tagsFor } from '../services/cache/tags';
import { purgeReachesEverywhere } from '../services/cache/purge';
import { logEvent } from '../log';
import { edgeCacheOf } from '../config/metered-bindings';
import type { Env } from '../config/env';

/**
 * Stores in progress in this isolate, by cache key. Simultaneous misses of
 * one key store one copy, and a lookup of a key being stored waits for it, so
 * a quick repeat request gets the HIT rather than a second MISS. The wait is
 * bounded: a store reads its copy only as fast as its own client reads the
 * answer, and that client may itself be waiting for the other requests.
 */
const storing = new Map<string, Promise<unknown>>();
const STORE_WAIT_MS = 2_000;

const storeSettled = (key: string) => {
  const pending = storing.get(key);
  if (!pending) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([pending, new Promise((resolve) => (timer = setTimeout(resolve, STORE_WAIT_MS)))]).finally(
    () => timer && clearTimeout(timer),
  );
};

/** The delivery stages the edge cache wraps. */
export interface CachedStages {
  /**
   * The checks that depend on the stored asset (access mode, moderation),
   * re-run on a hit: they throw to deny. A hit whose decision is no longer
   * shareable is ignored and answered like a miss.
   */
  checkHit(): Promise<AccessDecision>;
  /** Builds the answer on a miss, with the decision of every check and whether its hits need checkHit even when purges reach everywhere. */
  produce(): Promise<{ response: Response; decision: AccessDecision; hitCheck?: boolean; maxAgeSeconds?: number }>;
}

/**
 * Stage "edge cache": looks the request up under its canonical key and
 * answers from it (`X-Cache: HIT`), or builds the answer, sends it
 * (`X-Cache: MISS`) and stores a copy tagged for purging, recorded in the
 * cache index. `c.decision` comes from the checks that need no asset
 * (signatures, tokens, strict transformations), run before the lookup.
 * Answers that may not be shared are never stored and leave marked `private`.
 * Fetch URLs are cached too, each copy no longer than the fetched original is
 * fresh (FETCH_TTL_SECONDS, the origin's cache headers); allowed_fetch_domains
 * is checked before the lookup. A hit reads nothing but the cache where purges
 * reach every data centre (see trustsPurge), else it re-runs the asset checks.
 */
export async function edgeCache(c: Planned, stages: CachedStages): Promise<Response> {
  const { req, env, ctx } = c;
  if (!c.decision.shareable) return unshared((await stages.produce()).response);

  const key = cacheKey(c.d, req, c.planned.plan);
  await storeSettled(key.url);
  const cache = edgeCacheOf(env);
  const cached = await cache.match(key.url);
  if (cached && trustsPurge(env, cached)) return fromCache(req, cached);
  if (cached) {
    const decision = await stages.checkHit().catch((err) => {
      cached.body?.cancel().catch(() => undefined);
      throw err;
    });
    if (decision.shareable) return fromCache(req, cached);
    cached.body?.cancel().catch(() => undefined);
  }

  const { response, decision, hitCheck = true, maxAgeSeconds } = await stages.produce();
  if (!decision.shareable) return unshared(response);
  // HEAD, 304 and errors carry no body worth keeping; a copy already being stored needs no second one; nor does one already stale.
  if (req.method !== 'GET' || response.status !== 200 || !response.body || storing.has(key.url) || maxAgeSeconds === 0)
    return marked(response, 'MISS');

  const [forClient, forCache] = response.body.tee();
  const stored = new Headers(response.headers);
  stored.set('Cache-Tag', (await tagsFor(key.asset, key.versionForm, key.urlKey)).join(','));
  stored.set(HIT_CHECK, hitCheck ? 'asset' : 'purge');
  // The Cache API keeps a copy for its max-age: a fetched original's answers no longer than its kept copy is fresh.
  if (maxAgeSeconds !== undefined) stored.set('Cache-Control', `public, max-age=${maxAgeSeconds}`);
  // The copy is read while the client reads its own: a tee branch left unread
  // would hold the answer back. The cache index row, where one is kept, is written alongside.
  const keep = Promise.all([
    cache.put(key.url, new Response(forCache, { status: 200, headers: stored })),
    purgeReachesEverywhere(env) ? undefined : recordEntry(env.DB, key),
  ])
    .catch((err: unknown) => logEvent('error', 'edge cache put failed', { key: key.url, error: err }))
    .finally(() => storing.delete(key.url));
  storing.set(key.url, keep);
  // Never awaited before answering: the copy is read only as fast as the client reads its branch.
  ctx?.waitUntil(keep);
  return marked(new Response(forClient, response), 'MISS');
}

/**
 * How a stored copy is trusted on a hit, kept beside it: `purge` when every
 * change that could alter it purges it before it is acknowledged, so the hit
 * reads nothing but the cache; `asset` when its hits re-run the asset checks
 * (see needsHitCheck in resource-checks.ts).
 */
const HIT_CHECK = 'X-Cld-Hit-Check';

/**
 * Purge-on-change holds only where a purge reaches every data centre: with
 * Cloudflare's purge API configured. Without it, another data centre's copy
 * outlives a change, so every hit keeps the asset checks (5 s isolate memo).
 */
const trustsPurge = (env: Env, cached: Response) => purgeReachesEverywhere(env) && cached.headers.get(HIT_CHECK) === 'purge';

function fromCache(req: Request, cached: Response): Response {
  const headers = new Headers(cached.headers);
  headers.delete('Cache-Tag');
  headers.delete(HIT_CHECK);
  headers.set('X-Cache', 'HIT');
  const etag = headers.get('ETag')?.replace(/"/g, '') ?? '';
  const body = etagMatches(req.headers.get('If-None-Match'), etag) ? null : cached.body;
  if (!body) cached.body?.cancel().catch(() => undefined);
  return respondWithBody(req, body, headers);
}

function marked(response: Response, state: 'HIT' | 'MISS'): Response {
  const out = new Response(response.body, response);
  out.headers.set('X-Cache', state);
  return out;
}

/** Not for shared caches: browsers may still keep it. */
function unshared(response: Response): Response {
  const out = marked(response, 'MISS');
  const cc = out.headers.get('Cache-Control');
  if (cc) out.headers.set('Cache-Control', cc.replace(/\bpublic\b/, 'private'));
  return out;
}
