import type { AssetRef } from '../protocol/asset-ref';
/**
 * The R2 key layout. Every key starts with a kind letter and the cloud, then
 * the resource type and type, so nothing can collide across clouds or types.
 * The public id is percent-encoded into one segment (no `/` left), so the
 * prefix `<kind>/<cloud>/<rt>/<type>/<id>/` holds exactly one asset's objects.
 * Originals and derived objects carry the version and a random write id: an
 * object is written once and never rewritten in place; the D1 row points at
 * the current one.
 */

const enc = (s: string) => encodeURIComponent(s);

export const assetPrefix = (kind: 'o' | 'd', a: AssetRef) => `${kind}/${a.cloud}/${a.resourceType}/${a.type}/${enc(a.publicId)}/`;

/** An original: `o/<cloud>/<rt>/<type>/<id>/<version>-<write id>`. */
export const originalKey = (a: AssetRef, version: number, writeId: string) => `${assetPrefix('o', a)}${version}-${writeId}`;

/** The version encoded in an original's key (for clean-up of superseded writes). */
export function versionOfKey(key: string): number | undefined {
  const m = /\/(\d+)-[a-z0-9]+$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** A derived image: `d/<cloud>/<rt>/<type>/<id>/<version>/<hash of canonical transformation and format>`. */
export const derivedKey = (a: AssetRef, version: number, variantHash: string) => `${assetPrefix('d', a)}${version}/${variantHash}`;

/** A fetched remote original: `f/<cloud>/<sha-256 of the URL>`. */
export const fetchedKey = (cloud: string, urlHash: string) => `f/${cloud}/${urlHash}`;

/** A chunked upload being assembled: `u/<cloud>/<upload id>`. */
export const uploadKey = (cloud: string, uploadId: string) => `u/${cloud}/${enc(uploadId)}`;

/** A queued notification body too large for its queue message: `j/<cloud>/<random id>`. */
export const jobBodyKey = (cloud: string, id: string) => `j/${cloud}/${id}`;
