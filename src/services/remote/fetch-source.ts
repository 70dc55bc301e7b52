import type { Env } from '../../config/env';
import { CldError, badRequest } from '../../errors';
import type { CloudSettings } from '../../config/settings';
import { configFrom } from '../../config/config';
import { MIN_FETCH_TTL_SECONDS } from '../../config/limits';
import { hexDigest, toHex } from '../../auth/crypto';
import { orientedSize, sniffImage } from '../../engine/sniff';
import { assetPrefix, fetchedKey } from '../../storage/keys';
import { listAll } from '../../storage/assets';
import type { ResourceRow } from '../../storage/resources';
import type { DeliveryRequest } from '../../protocol/delivery-url';
import { expectFetched, guardedRequest, type RemoteResponse } from './fetcher';
import { checkRemoteUrl, fetchPolicy } from './policy';
import { keepSeconds } from './freshness';

/**
 * The source of a fetch delivery URL (`/<cloud>/image/fetch/<remote URL>`):
 * the remote original, kept in R2 under `f/<cloud>/<sha-256 of the URL>` and
 * loaded again only when its time is up (see freshness.ts), then with a
 * conditional request so an unchanged origin sends no body.
 *
 * The answer is a ResourceRow like a stored upload's, so the rest of the
 * delivery path (originals and transformations) treats both alike:
 * `type` is `fetch`, `public_id` is the URL's hash (it keys derived objects,
 * and a URL may be too long for an R2 key), `source_url` is the URL,
 * `r2_key` holds the bytes, and `version` changes only when the bytes do.
 */

/** A fetched original's row, with the moment its kept copy stops being fresh: cached answers of it live no longer. */
export type FetchedRow = ResourceRow & { freshUntil: number };

/** What is kept beside the bytes (R2 custom metadata is all strings). */
interface FetchedMeta {
  url: string;
  version: string;
  fetchedAt: string;
  expiresAt: string;
  format: string;
  width: string;
  height: string;
  pages: string;
  etag: string;
  originEtag: string;
  originLastModified: string;
}

/** `budget`: spent before a URL never fetched before is loaded and stored (see src/services/derived/derivation-budget.ts). */
export async function resolveFetchSource(
  env: Env,
  d: DeliveryRequest,
  settings: CloudSettings,
  budget?: () => Promise<void>,
): Promise<FetchedRow> {
  if (d.resourceType !== 'image' || !d.remoteUrl) throw badRequest(`Fetch delivery is supported for images only, not ${d.resourceType}`);
  const cloud = d.cloud;
  const policy = fetchPolicy(env, settings);
  // Checked before the stored copy is used, so narrowing allowed_fetch_domains takes effect at once.
  const url = checkRemoteUrl(d.remoteUrl, policy).href;
  const hash = await hexDigest('SHA-256', url);
  const key = fetchedKey(cloud, hash);
  const stored = await env.BUCKET.head(key);
  const meta = stored?.customMetadata as FetchedMeta | undefined;
  const now = Date.now();
  if (stored && meta && now < Number(meta.expiresAt)) return rowOf(cloud, hash, key, meta, stored);

  if (!stored) await budget?.();
  const limits = configFrom(env).limits;
  const conditional = new Headers({ Accept: 'image/*,*/*;q=0.8' });
  if (stored && meta?.originEtag) conditional.set('If-None-Match', meta.originEtag);
  if (stored && meta?.originLastModified) conditional.set('If-Modified-Since', meta.originLastModified);

  // An origin that is down, slow or failing does not take a kept copy away; it is
  // asked again after the shortest interval, not on every request meanwhile.
  const retryLater = () => keepLonger(env.BUCKET, key, meta!, Math.min(MIN_FETCH_TTL_SECONDS, limits.fetchTtlSeconds), now);
  let answer: RemoteResponse;
  try {
    answer = await guardedRequest(url, {
      ...policy,
      maxBytes: limits.maxFetchBytes,
      timeoutMs: limits.fetchTimeoutMs,
      headers: conditional,
    });
  } catch (err) {
    if (stored && meta) return rowOf(cloud, hash, key, ...(await retryLater()));
    throw err;
  }
  const ttl = keepSeconds(answer.headers, limits.fetchTtlSeconds, now);
  if (answer.status === 304 && stored && meta) return rowOf(cloud, hash, key, ...(await keepLonger(env.BUCKET, key, meta, ttl, now)));
  const ok = answer.status >= 200 && answer.status <= 299;
  const gone = answer.status === 404 || answer.status === 410;
  if (stored && meta && !ok && !gone) return rowOf(cloud, hash, key, ...(await retryLater()));
  if (stored && meta && gone) {
    await env.BUCKET.delete(key);
    await dropDerived(env.BUCKET, cloud, hash, meta.version);
  }

  const fetched = expectFetched(answer, url, 'image');
  const sniffed = sniffImage(fetched.bytes)!;
  if (sniffed.width * sniffed.height > limits.maxImagePixels) {
    throw badRequest(`Image too large. Maximum is ${limits.maxImagePixels} pixels.`);
  }
  const etag = toHex(new Uint8Array(await crypto.subtle.digest('MD5', fetched.bytes)));
  const size = orientedSize(sniffed);
  const next: FetchedMeta = {
    url,
    // Unchanged bytes keep their version, so their derived images stay valid.
    version: meta && meta.etag === etag ? meta.version : String(Math.max(Math.floor(now / 1000), Number(meta?.version ?? 0) + 1)),
    fetchedAt: String(now),
    expiresAt: String(now + ttl * 1000),
    format: sniffed.format,
    width: String(size.width),
    height: String(size.height),
    pages: String(sniffed.pages),
    etag,
    originEtag: fetched.headers.get('ETag') ?? '',
    originLastModified: fetched.headers.get('Last-Modified') ?? '',
  };
  const written = await env.BUCKET.put(key, fetched.bytes, {
    httpMetadata: { contentType: fetched.contentType },
    customMetadata: { ...next },
  });
  if (meta && meta.version !== next.version) await dropDerived(env.BUCKET, cloud, hash, meta.version);
  return rowOf(cloud, hash, key, next, written);
}

/**
 * Gives the kept copy a new expiry. R2 cannot change metadata alone, so the
 * object is written again with the same bytes. When it vanished meanwhile,
 * the old metadata is answered and the next request loads the origin.
 */
async function keepLonger(
  bucket: R2Bucket,
  key: string,
  meta: FetchedMeta,
  seconds: number,
  now: number,
): Promise<[FetchedMeta, R2Object | null]> {
  const next: FetchedMeta = { ...meta, fetchedAt: String(now), expiresAt: String(now + seconds * 1000) };
  const body = await bucket.get(key);
  if (!body) return [meta, null];
  return [next, await bucket.put(key, await body.arrayBuffer(), { httpMetadata: body.httpMetadata, customMetadata: { ...next } })];
}

/** Derived images of a fetched version that is no longer the origin's. */
async function dropDerived(bucket: R2Bucket, cloud: string, hash: string, version: string): Promise<void> {
  const keys = await listAll(bucket, `${assetPrefix('d', { cloud, resourceType: 'image', type: 'fetch', publicId: hash })}${version}/`);
  if (keys.length) await bucket.delete(keys);
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function rowOf(cloud: string, hash: string, key: string, m: FetchedMeta, obj: R2Object | null): FetchedRow {
  if (!obj) throw new CldError(503, 'The fetched original was replaced meanwhile; try again', { 'Retry-After': '1' });
  // The bytes date from when this version was first fetched; revalidations do not change them.
  const changedAt = iso(Number(m.version) * 1000);
  return {
    id: 0,
    cloud,
    resource_type: 'image',
    type: 'fetch',
    public_id: hash,
    asset_id: hash.slice(0, 32),
    version: Number(m.version),
    version_id: m.etag,
    r2_key: key,
    format: m.format,
    content_type: obj.httpMetadata?.contentType ?? 'application/octet-stream',
    width: Number(m.width),
    height: Number(m.height),
    pages: Number(m.pages),
    bytes: obj.size,
    etag: m.etag,
    created_at: changedAt,
    uploaded_at: changedAt,
    access_mode: 'public',
    moderation_kind: null,
    moderation_status: null,
    moderation_updated_at: null,
    original_filename: null,
    placeholder: 0,
    backup: 0,
    asset_folder: '',
    display_name: null,
    access_control: null,
    coordinates: null,
    info: null,
    source_url: m.url,
    freshUntil: Number(m.expiresAt),
  };
}
