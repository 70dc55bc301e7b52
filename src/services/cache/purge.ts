import type { Env } from '../../config/env';
import { badRequest } from '../../errors';
import { getSettings } from '../../config/settings';
import { parseDeliveryPath } from '../../protocol/delivery-url';
import type { AssetRef } from '../../protocol/asset-ref';
import { assetWhere, chunks, findEntries, removeEntries, type EntryRow, type Where } from '../../storage/cache-entries';
import { urlKey, versionForm } from '../../protocol/cache-key';
import { assetTag, cloudTag, formTag, urlTag } from './tags';
import { purgeCloudflareTags } from './cloudflare';
import { forgetResource } from './resource-memo';
import { logEvent } from '../../log';
import { configFrom } from '../../config/config';
import { countAssets, findAssets } from '../../storage/purge-assets';

/**
 * Removing cached answers: the one module every writer calls. Each function
 * removes the answers from this data centre's Cache API, forgets them in the
 * cache index, and, with CF_ZONE_ID/CF_API_TOKEN set, purges them on every
 * other data centre through Cloudflare's API by `Cache-Tag`.
 *
 * invalidateAsset(env, ref, { previousVersion }): Cloudinary's `invalidate`.
 *   Call it when `invalidate=true` comes with an upload that overwrote an
 *   asset, explicit, destroy, or rename (with the old public id), passing the
 *   asset's most recent version before the change (the version its URLs were
 *   served with). For every derived variant of the asset it removes the URL
 *   forms the cloud's `invalidate_versioned_urls` setting selects, as Cloudinary does
 *   (https://cloudinary.com/documentation/invalidate_cached_media_assets_on_the_cdn): off (default), URLs without a version for public ids not in
 *   a folder and URLs with `/v1/` for public ids in a folder; on, URLs with
 *   `previousVersion`. Other forms stay cached, as at Cloudinary.
 *
 * purgeAsset(env, ref): every cached answer of the asset, all forms. For
 *   changes that must show at once whatever the setting (access mode,
 *   moderation).
 *
 * Both return how many cache entries they removed, and only log a failure of
 * Cloudflare's API: the write that called them has happened either way.
 * purgeSelection (the purge extension) reports that failure as an error.
 */
export interface InvalidateOptions {
  /** The asset's version before the change. */
  previousVersion: number;
}

/** The URL form the cloud's setting selects for invalidation (see invalidateAsset above). */
export function invalidatedForm(publicId: string, previousVersion: number, invalidateVersionedUrls: boolean): string {
  if (invalidateVersionedUrls) return versionForm(previousVersion);
  return publicId.includes('/') ? versionForm(1) : versionForm(undefined);
}

/**
 * Where Cloudflare's purge API is configured, a purge by `Cache-Tag` reaches
 * every data centre, this one's Cache API included, so a miss records nothing
 * (no cache index row) and purges find nothing to remove locally. Without it
 * (`wrangler dev`, tests, a deployment without credentials) the D1 cache index
 * lists what this data centre holds.
 */
export const purgeReachesEverywhere = (env: Env): boolean => configFrom(env).cloudflarePurge !== undefined;

export async function invalidateAsset(env: Env, a: AssetRef, opts: InvalidateOptions): Promise<number> {
  const settings = await getSettings(env.CONFIG, a.cloud);
  const form = invalidatedForm(a.publicId, opts.previousVersion, settings.invalidate_versioned_urls);
  const where = assetWhere(a);
  const removed = await removeLocally(env, { sql: `${where.sql} AND version_form = ?`, params: [...where.params, form] });
  forgetResource(a);
  await bestEffort(purgeCloudflareTags(env, [await formTag(a, form)]));
  return removed;
}

export async function purgeAsset(env: Env, a: AssetRef): Promise<number> {
  const removed = await removeLocally(env, assetWhere(a));
  forgetResource(a);
  await bestEffort(purgeCloudflareTags(env, [await assetTag(a)]));
  return removed;
}

/** The indexed entries removed from this data centre (none are indexed where purge by tag reaches everywhere). */
async function removeLocally(env: Env, where: Where): Promise<number> {
  if (purgeReachesEverywhere(env)) return 0;
  const rows = await findEntries(env.DB, where);
  await removeEntries(env, rows);
  return rows.length;
}

const bestEffort = (p: Promise<void>) => p.catch((err: unknown) => logEvent('error', 'cache purge failed', { error: err }));

/** What the purge extension selects: the union of the selectors given, within the optional resource type and type. */
export interface PurgeSelection {
  publicIds?: string[];
  prefix?: string;
  tag?: string;
  /** Absolute delivery URLs or their paths. */
  urls?: string[];
  all?: boolean;
  resourceType?: string;
  type?: string;
}

/**
 * The purge extension. `purged` counts what was purged: with the cache index
 * (no Cloudflare purge API), the cached answers removed; where purge by tag
 * reaches every data centre, the assets selected (`all`: the assets in scope)
 * plus the URLs given.
 */
export async function purgeSelection(env: Env, cloud: string, s: PurgeSelection): Promise<{ purged: number }> {
  const everywhere = purgeReachesEverywhere(env);
  const table = everywhere ? 'resources' : 'cache_entries';
  const scopeSql = ['cloud = ?'];
  const scopeParams: unknown[] = [cloud];
  for (const [column, value] of [
    ['resource_type', s.resourceType],
    ['type', s.type],
  ] as const) {
    if (!value) continue;
    scopeSql.push(`${column} = ?`);
    scopeParams.push(value);
  }
  const scoped = (sql: string, params: unknown[]): Where => ({
    sql: [...scopeSql, sql].join(' AND '),
    params: [...scopeParams, ...params],
  });
  const wholeCloud = s.all && !s.resourceType && !s.type;

  // Selectors of whole assets; on Cloudflare each found asset is purged by its tag.
  const bySelector: Where[] = [];
  const allInScope = scoped('1 = 1', []);
  if (s.all && !everywhere) bySelector.push(allInScope);
  for (const ids of chunks(s.publicIds ?? [])) bySelector.push(scoped(`public_id IN (${ids.map(() => '?').join(',')})`, ids));
  if (s.prefix) bySelector.push(scoped('substr(public_id, 1, length(?)) = ?', [s.prefix, s.prefix]));
  if (s.tag) {
    bySelector.push(
      scoped(
        `EXISTS (SELECT 1 FROM resources r JOIN resource_tags t ON t.resource_id = r.id
         WHERE t.tag = ? AND r.cloud = ${table}.cloud AND r.resource_type = ${table}.resource_type
           AND r.type = ${table}.type AND r.public_id = ${table}.public_id)`,
        [s.tag],
      ),
    );
  }
  // URLs: every negotiated answer of each URL; on Cloudflare by the URL's tag.
  const urlKeys = (s.urls ?? []).map((u) => urlKeyOfDeliveryUrl(cloud, u));
  const byUrl = chunks(urlKeys).map((keys): Where => ({
    sql: `cloud = ? AND url_key IN (${keys.map(() => '?').join(',')})`,
    params: [cloud, ...keys],
  }));
  if (!s.all && !bySelector.length && !byUrl.length) throw badRequest('Nothing to purge: give public_ids, prefix, tag, urls or all');
  if (everywhere) return purgeByTags(env, cloud, { all: s.all ? allInScope : undefined, bySelector, urlKeys });

  const found = new Map<string, EntryRow>();
  const assets = new Map<string, AssetRef>();
  for (const w of bySelector) {
    for (const r of await findEntries(env.DB, w)) {
      found.set(r.cache_key, r);
      const a = { cloud: r.cloud, resourceType: r.resource_type, type: r.type, publicId: r.public_id };
      assets.set(JSON.stringify(a), a);
    }
  }
  for (const w of byUrl) for (const r of await findEntries(env.DB, w)) found.set(r.cache_key, r);
  await removeEntries(env, [...found.values()]);
  for (const r of found.values()) forgetResource({ cloud: r.cloud, resourceType: r.resource_type, type: r.type, publicId: r.public_id });

  const tags = await Promise.all([
    ...(wholeCloud ? [cloudTag(cloud)] : [...assets.values()].map(assetTag)),
    ...urlKeys.map((k) => urlTag(cloud, k)),
  ]);
  await purgeCloudflareTags(env, tags);
  return { purged: found.size };
}

/**
 * The purge extension where purge by tag reaches every data centre: each
 * selected asset by its tag, each URL by its own, and `all` by the cloud's tag
 * even with a type: with no index of what is cached, one tag is one API call
 * where the tags of every asset of the type would be thousands (other types
 * of the cloud then miss once: never a stale answer).
 */
async function purgeByTags(
  env: Env,
  cloud: string,
  s: { all: Where | undefined; bySelector: Where[]; urlKeys: string[] },
): Promise<{ purged: number }> {
  const assets = new Map<string, AssetRef>();
  if (!s.all) for (const w of s.bySelector) for (const a of await findAssets(env.DB, w)) assets.set(JSON.stringify(a), a);
  const tags = await Promise.all([
    ...(s.all ? [cloudTag(cloud)] : [...assets.values()].map(assetTag)),
    ...s.urlKeys.map((k) => urlTag(cloud, k)),
  ]);
  await purgeCloudflareTags(env, tags);
  for (const a of assets.values()) forgetResource(a);
  const purgedAssets = s.all ? await countAssets(env.DB, s.all) : assets.size;
  return { purged: purgedAssets + s.urlKeys.length };
}

/** The cache index's URL key of a delivery URL of this cloud, given absolute or as a path. */
function urlKeyOfDeliveryUrl(cloud: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw, 'http://relative.invalid');
  } catch {
    throw badRequest(`Invalid URL: ${raw}`);
  }
  const d = parseDeliveryPath(url.pathname, url.search.slice(1));
  if (d.cloud !== cloud) throw badRequest(`URL ${raw} is not a delivery URL of cloud ${cloud}`);
  return urlKey(d);
}
