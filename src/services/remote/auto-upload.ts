import type { Env } from '../../config/env';
import { badRequest } from '../../errors';
import type { CloudSettings } from '../../config/settings';
import { configFrom } from '../../config/config';
import { uploadMappings, type UploadMapping } from '../../config/collections';
import { toHex } from '../../auth/crypto';
import { mimeFor, orientedSize, sniffImage } from '../../engine/sniff';
import type { DeliveryRequest } from '../../protocol/delivery-url';
import type { ResourceRow } from '../../storage/resources';
import { guardedFetch } from './fetcher';
import { fetchPolicy } from './policy';
import { storeOnce, type Loaded } from './single-flight';

/**
 * Auto-upload (Cloudinary's upload mappings): a delivery URL under a mapped
 * folder whose asset does not exist yet is loaded from `<template><rest>`,
 * stored as a real upload (public id `<folder>/<rest without extension>`,
 * with a version and a D1 row) and then delivered like any other upload.
 */
export interface MappedSource {
  mapping: UploadMapping;
  /** `<template><rest>`: the rest of the path as it came in the URL (still percent-encoded), extension included. */
  remoteUrl: string;
}

/** The mapping of the deepest folder that contains the public id, if any. */
export async function mappedSource(kv: KVNamespace, d: DeliveryRequest): Promise<MappedSource | null> {
  if (d.type !== 'upload' || d.resourceType === 'video') return null;
  const folders = d.publicId.split('/');
  const rawSegments = d.rawSource.split('/');
  const mappings = uploadMappings(kv, d.cloud);
  for (let depth = folders.length - 1; depth >= 1; depth--) {
    const mapping = await mappings.get(folders.slice(0, depth).join('/'));
    if (mapping) return { mapping, remoteUrl: mapping.template + rawSegments.slice(depth).join('/') };
  }
  return null;
}

/** The stored asset for a missing mapped public id, or null when no mapping covers it. */
/** `budget`: spent before the origin is asked for an asset not stored yet (see src/services/derived/derivation-budget.ts). */
export async function autoUploadSource(
  env: Env,
  d: DeliveryRequest,
  settings: CloudSettings,
  budget?: () => Promise<void>,
): Promise<ResourceRow | null> {
  const source = await mappedSource(env.CONFIG, d);
  if (!source) return null;
  const limits = configFrom(env).limits;
  const ref = { cloud: d.cloud, resourceType: d.resourceType, type: 'upload', publicId: d.publicId };
  const load = async (): Promise<Loaded> => {
    await budget?.();
    const accept = d.resourceType === 'image' ? 'image' : 'any';
    const r = await guardedFetch(source.remoteUrl, {
      ...fetchPolicy(env, settings),
      maxBytes: Math.min(limits.maxFetchBytes, limits.maxUploadBytes),
      timeoutMs: limits.fetchTimeoutMs,
      accept,
    });
    if (!r.bytes.byteLength) throw badRequest(`Error in loading ${source.remoteUrl} - empty file`);
    const sniffed = accept === 'image' ? sniffImage(r.bytes) : null;
    if (sniffed && sniffed.width * sniffed.height > limits.maxImagePixels) {
      throw badRequest(`Image too large. Maximum is ${limits.maxImagePixels} pixels.`);
    }
    const size = sniffed ? orientedSize(sniffed) : null;
    const lastSegment = safeDecode(new URL(r.finalUrl).pathname.split('/').pop() ?? '');
    const format = sniffed?.format ?? d.format ?? null;
    return {
      body: r.bytes,
      bytes: r.bytes.byteLength,
      etag: toHex(new Uint8Array(await crypto.subtle.digest('MD5', r.bytes))),
      contentType: sniffed ? mimeFor(sniffed.format) : r.contentType.split(';')[0] || mimeFor(format),
      format,
      width: size?.width ?? null,
      height: size?.height ?? null,
      pages: sniffed?.pages ?? null,
      originalFilename: lastSegment.replace(/\.[^.]*$/, '') || null,
      sourceUrl: source.remoteUrl,
    };
  };
  return storeOnce(env, ref, load, { claimTtlMs: limits.fetchTimeoutMs + 15_000 });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
