import { derivedKey } from '../../storage/keys';
import { refOf, type ResourceRow } from '../../storage/resources';
import { recordDerived, type HeldLease } from '../../storage/derived';

/**
 * Derived images in R2, written once under a key made from the asset, its
 * version and a hash of the variant (canonical transformation plus resolved
 * output), and indexed in D1's `derived` table.
 */
export interface DerivedObject {
  body: ReadableStream | Uint8Array;
  bytes: number;
  contentType: string;
  /** The output format as the engine named it (`jpg`, `webp`, ...): the `derived` row's format. */
  format: string;
  etag: string;
  uploaded: Date;
  width: number;
  height: number;
}

export async function variantHash(variant: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(variant)));
  return Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
}

export const derivedObjectKey = (r: ResourceRow, hash: string) => derivedKey(refOf(r), r.version, hash);

/** Objects stored before the format was kept in their metadata: the format their content type names. */
const formatOfType = (contentType: string) => (contentType.split('/')[1] ?? 'bin').replace('jpeg', 'jpg').replace('svg+xml', 'svg');

/** `asBytes`: read the body into memory, for a result that several waiting requests share (a stream reads once). */
export async function readDerived(bucket: R2Bucket, key: string, asBytes = false): Promise<DerivedObject | undefined> {
  const obj = await bucket.get(key);
  if (!obj) return undefined;
  const contentType = obj.httpMetadata?.contentType ?? 'application/octet-stream';
  return {
    body: asBytes ? new Uint8Array(await obj.arrayBuffer()) : obj.body,
    bytes: obj.size,
    contentType,
    format: obj.customMetadata?.format ?? formatOfType(contentType),
    etag: obj.etag,
    uploaded: obj.uploaded,
    width: Number(obj.customMetadata?.width ?? 0),
    height: Number(obj.customMetadata?.height ?? 0),
  };
}

export interface StoreDerived {
  resource: ResourceRow;
  key: string;
  transformation: string;
  format: string;
  bytes: Uint8Array;
  contentType: string;
  width: number;
  height: number;
  eager: boolean;
  /** The single flight's lease, released with the row (marked released when it was). */
  lease?: HeldLease & { released: boolean };
}

/** Also answers how many delivery-made variants the asset has now (0 for a fetched original: none are indexed). */
export async function storeDerived(
  env: { BUCKET: R2Bucket; DB: D1Database },
  s: StoreDerived,
): Promise<{ stored: DerivedObject; variants: number }> {
  const obj = await env.BUCKET.put(s.key, s.bytes, {
    httpMetadata: { contentType: s.contentType },
    customMetadata: { width: String(s.width), height: String(s.height), format: s.format, transformation: s.transformation },
  });
  const stored: DerivedObject = {
    body: s.bytes,
    bytes: s.bytes.length,
    contentType: s.contentType,
    format: s.format,
    etag: obj?.etag ?? '',
    uploaded: obj?.uploaded ?? new Date(),
    width: s.width,
    height: s.height,
  };
  const variants = await indexDerived(env.DB, s.resource, s.key, s.transformation, stored, s.eager, s.lease);
  return { stored, variants };
}

/** The `derived` row of a stored object (again, to mark it eager, when eager generation found it made). */
export async function indexDerived(
  db: D1Database,
  resource: ResourceRow,
  key: string,
  variant: string,
  obj: DerivedObject,
  eager: boolean,
  lease?: HeldLease & { released: boolean },
): Promise<number> {
  // A fetched remote original has no `resources` row (src/services/remote/fetch-source.ts), so nothing to index.
  if (resource.type === 'fetch') return 0;
  const release = lease && !lease.released ? lease : undefined;
  const variants = await recordDerived(
    db,
    {
      cloud: resource.cloud,
      resourceId: resource.id,
      version: resource.version,
      transformation: variant,
      format: obj.format,
      r2Key: key,
      bytes: obj.bytes,
      width: obj.width,
      height: obj.height,
      eager,
    },
    release,
  );
  if (release) release.released = true;
  return variants;
}
