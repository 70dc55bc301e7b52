/// <reference types="vite/client" />
import { env } from 'cloudflare:test';
import { putOriginal, type PutOriginal } from '../../../src/storage/assets';
import { sniffImage, mimeFor } from '../../../src/engine/sniff';

/** Fixture bytes, bundled by Vite as data URLs (workerd has no file system). */
const FILES = import.meta.glob('../../fixtures/{,hostile/,png/}*.{jpg,png,gif,webp,avif,heic,svg}', {
  query: '?inline',
  import: 'default',
  eager: true,
}) as Record<string, string>;

export function fixture(name: string): Uint8Array {
  const url = FILES[`../../fixtures/${name}`];
  if (url === undefined) throw new Error(`no fixture ${name}`);
  const comma = url.indexOf(',');
  if (!url.slice(0, comma).endsWith(';base64')) return new TextEncoder().encode(decodeURIComponent(url.slice(comma + 1)));
  return Uint8Array.from(atob(url.slice(comma + 1)), (c) => c.charCodeAt(0));
}

/** Stores bytes as an image original directly through the asset service (no upload validation), as delivery sees it. */
export async function storeImage(
  publicId: string,
  bytes: Uint8Array,
  cloud = 'demo',
  extra: Pick<PutOriginal, 'tags' | 'context' | 'coordinates'> = {},
) {
  const s = sniffImage(bytes);
  const etag = Array.from(new Uint8Array(await crypto.subtle.digest('MD5', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
  const { resource } = await putOriginal(env, {
    ref: { cloud, resourceType: 'image', type: 'upload', publicId },
    body: bytes,
    bytes: bytes.length,
    etag,
    contentType: mimeFor(s?.format ?? 'jpg'),
    format: s?.format ?? 'jpg',
    width: s?.width ?? null,
    height: s?.height ?? null,
    overwrite: true,
    ...extra,
  });
  return resource;
}

export const uid = (prefix = 't') => `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
