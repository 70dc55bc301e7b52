import type { AccessDecision } from './access/check';
import type { Planned } from './context';
import { etagMatches, respondWithBody } from '../protocol/delivery-headers';
import { cacheKey } from '../protocol/cache-key';
import { recordEntry } from '../storage/cache-entries';
import { tagsFor } from '../services/cache/tags';
import { logEvent } from '../log';

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
  /** Builds the answer on a miss, with the decision of every check. */
  produce(): Promise<{ response: Response; decision: AccessDecision }>;
}

/**
 * Stage "edge cache": looks the request up under its canonical key and
 * answers from it (`X-Cache: HIT`), or builds the answer, sends it
 * (`X-Cache: MISS`) and stores a copy tagged for purging, recorded in the
 * cache index. `c.decision` comes from the checks that need no asset
 * (signatures, tokens, strict transformations), run before the lookup.
 * Answers that may not be shared are never stored and leave marked `private`.
 * Fetched originals follow FETCH_TTL_SECONDS and allowed_fetch_domains on
 * every request, so their R2 copy serves them, not the edge cache.
 */
export async function edgeCache(c: Planned, stages: CachedStages): Promise<Response> {
  const { req, env, ctx } = c;
  if (c.d.type === 'fetch') return marked((await stages.produce()).response, 'MISS');
  if (!c.decision.shareable) return unshared((await stages.produce()).response);

  const key = cacheKey(c.d, req, c.planned.plan);
  await storeSettled(key.url);
  const cached = await caches.default.match(key.url);
  if (cached) {
    const decision = await stages.checkHit().catch((err) => {
      cached.body?.cancel().catch(() => undefined);
      throw err;
    });
    if (decision.shareable) return fromCache(req, cached);
    cached.body?.cancel().catch(() => undefined);
  }

  const { response, decision } = await stages.produce();
  if (!decision.shareable) return unshared(response);
  // HEAD, 304 and errors carry no body worth keeping; a copy already being stored needs no second one.
  if (req.method !== 'GET' || response.status !== 200 || !response.body || storing.has(key.url)) return marked(response, 'MISS');

  const [forClient, forCache] = response.body.tee();
  const stored = new Headers(response.headers);
  stored.set('Cache-Tag', (await tagsFor(key.asset, key.versionForm, key.urlKey)).join(','));
  // The copy is read while the client reads its own: a tee branch left unread
  // would hold the answer back. The index row is written alongside.
  const keep = Promise.all([
    caches.default.put(key.url, new Response(forCache, { status: 200, headers: stored })),
    recordEntry(env.DB, key),
  ])
    .catch((err: unknown) => logEvent('error', 'edge cache put failed', { key: key.url, error: err }))
    .finally(() => storing.delete(key.url));
  storing.set(key.url, keep);
  // Never awaited before answering: the copy is read only as fast as the client reads its branch.
  ctx?.waitUntil(keep);
  return marked(new Response(forClient, response), 'MISS');
}

function fromCache(req: Request, cached: Response): Response {
  const headers = new Headers(cached.headers);
  headers.delete('Cache-Tag');
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
