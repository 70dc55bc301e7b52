import { configFrom } from '../../config/config';
import type { Env } from '../../config/env';
import { CldError } from '../../errors';
import { chunks } from '../../storage/cache-entries';

/**
 * Cloudflare's purge API. The Cache API only reaches the data centre a request
 * runs in; with CF_ZONE_ID and CF_API_TOKEN set, purges also go to the zone's
 * purge endpoint by `Cache-Tag`, which every cached answer carries.
 */
/** The most tags one purge request may carry on every plan. */
const TAGS_PER_REQUEST = 30;

interface ApiAnswer {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
}

/** Purges by tag; does nothing when the zone is not configured. Throws a CldError naming Cloudflare's reason. */
export async function purgeCloudflareTags(env: Env, tags: readonly string[]): Promise<void> {
  const purge = configFrom(env).cloudflarePurge;
  if (!purge || !tags.length) return;
  const endpoint = `${purge.apiBaseUrl}/zones/${encodeURIComponent(purge.zoneId)}/purge_cache`;
  for (const part of chunks([...new Set(tags)], TAGS_PER_REQUEST)) {
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { Authorization: `Bearer ${purge.apiToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ tags: part }),
      });
    } catch (err) {
      throw new CldError(500, `Cloudflare purge failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const answer = (await res.json().catch(() => ({}))) as ApiAnswer;
    if (!res.ok || answer.success !== true) {
      const reason =
        answer.errors
          ?.map((e) => e.message)
          .filter(Boolean)
          .join('; ') || `HTTP ${res.status}`;
      throw new CldError(500, `Cloudflare purge failed: ${reason}`);
    }
  }
}
