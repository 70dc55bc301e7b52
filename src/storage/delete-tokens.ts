import { DomainError } from '../errors';
import { toHex } from '../auth/crypto';
import type { AssetRef } from '../protocol/asset-ref';

/** A delete token deletes its asset for 10 minutes after the upload (https://cloudinary.com/documentation/upload_images#deleting_client_side_uploaded_assets). */
const DELETE_TOKEN_TTL_SECONDS = 600;

export async function createDeleteToken(db: D1Database, a: AssetRef, now = Date.now()): Promise<string> {
  const token = toHex(crypto.getRandomValues(new Uint8Array(32)));
  await db
    .prepare('INSERT INTO delete_tokens (token, cloud, resource_type, type, public_id, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(token, a.cloud, a.resourceType, a.type, a.publicId, Math.floor(now / 1000) + DELETE_TOKEN_TTL_SECONDS)
    .run();
  return token;
}

/**
 * Takes a token (once): the asset it may delete, or a 400 when it is unknown
 * or older than 10 minutes. Expired tokens of the cloud are swept on the way.
 */
export async function redeemDeleteToken(db: D1Database, cloud: string, token: string, now = Date.now()): Promise<AssetRef> {
  const nowSec = Math.floor(now / 1000);
  const row = await db
    .prepare('DELETE FROM delete_tokens WHERE token = ? AND cloud = ? RETURNING resource_type, type, public_id, expires_at')
    .bind(token, cloud)
    .first<{ resource_type: string; type: string; public_id: string; expires_at: number }>();
  await db.prepare('DELETE FROM delete_tokens WHERE cloud = ? AND expires_at < ?').bind(cloud, nowSec).run();
  if (!row || row.expires_at < nowSec) throw new DomainError('invalid', 'Invalid or expired delete token');
  return { cloud, resourceType: row.resource_type, type: row.type, publicId: row.public_id };
}
