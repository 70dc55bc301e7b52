import { derivedKey } from '../../storage/keys';
import { refOf, type ResourceRow } from '../../storage/resources';
import { ensureSchema } from '../../storage/schema';

/**
 * Derived images in R2, written once under a key made from the asset, its
 * version and a hash of the variant (canonical transformation plus resolved
 * output), and indexed in D1's `derived` table.
 */
export interface DerivedObject {
  body: ReadableStream | Uint8Array;
  bytes: number;
  contentType: string;
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

/** `asBytes`: read the body into memory, for a result that several waiting requests share (a stream reads once). */
export async function readDerived(bucket: R2Bucket, key: string, asBytes = false): Promise<DerivedObject | undefined> {
  const obj = await bucket.get(key);
  if (!obj) return undefined;
  return {
    body: asBytes ? new Uint8Array(await obj.arrayBuffer()) : obj.body,
    bytes: obj.size,
    contentType: obj.httpMetadata?.contentType ?? 'application/octet-stream',
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
  eager?: boolean;
}

export async function storeDerived(env: { BUCKET: R2Bucket; DB: D1Database }, s: StoreDerived): Promise<DerivedObject> {
  const obj = await env.BUCKET.put(s.key, s.bytes, {
    httpMetadata: { contentType: s.contentType },
    customMetadata: { width: String(s.width), height: String(s.height), transformation: s.transformation },
  });
  const stored: DerivedObject = {
    body: s.bytes,
    bytes: s.bytes.length,
    contentType: s.contentType,
    etag: obj?.etag ?? '',
    uploaded: obj?.uploaded ?? new Date(),
    width: s.width,
    height: s.height,
  };
  // A fetched remote original has no `resources` row (src/services/remote/fetch-source.ts), so nothing to index.
  if (s.resource.type === 'fetch') return stored;
  await ensureSchema(env.DB);
  await env.DB.prepare(
    `INSERT INTO derived (cloud, resource_id, version, transformation, format, r2_key, bytes, width, height, eager, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (resource_id, version, transformation, format)
     DO UPDATE SET r2_key = excluded.r2_key, bytes = excluded.bytes, width = excluded.width, height = excluded.height,
       eager = max(derived.eager, excluded.eager)`,
  )
    .bind(
      s.resource.cloud,
      s.resource.id,
      s.resource.version,
      s.transformation,
      s.format,
      s.key,
      s.bytes.length,
      s.width,
      s.height,
      s.eager ? 1 : 0,
      new Date().toISOString(),
    )
    .run();
  return stored;
}
