import { hexDigest } from '../../auth/crypto';
import type { AssetRef } from '../../protocol/asset-ref';

/**
 * Cloudflare `Cache-Tag` names for what purge and invalidation select: the
 * whole cloud, one asset, one version form of an asset, one delivery URL.
 * Public ids may hold any character and tags may not, so they are hashed
 * (128 bits of SHA-256: no collisions in practice, 37 characters a tag).
 */
const hashed = async (kind: string, parts: readonly string[]) =>
  `cld${kind}-${(await hexDigest('SHA-256', parts.join('\u0000'))).slice(0, 32)}`;

const assetParts = (a: AssetRef) => [a.cloud, a.resourceType, a.type, a.publicId];

export const cloudTag = (cloud: string) => hashed('c', [cloud]);
export const assetTag = (a: AssetRef) => hashed('a', assetParts(a));
export const formTag = (a: AssetRef, versionForm: string) => hashed('f', [...assetParts(a), versionForm]);
export const urlTag = (cloud: string, urlKey: string) => hashed('u', [cloud, urlKey]);

/** Every tag a cached answer carries, so any selector can reach it. */
export async function tagsFor(a: AssetRef, versionForm: string, urlKey: string): Promise<string[]> {
  return Promise.all([cloudTag(a.cloud), assetTag(a), formTag(a, versionForm), urlTag(a.cloud, urlKey)]);
}
