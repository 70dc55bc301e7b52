import { env } from 'cloudflare:test';
import { putOriginal, type PutOriginal } from '../../src/storage/assets';
import { toHex } from '../../src/auth/crypto';

/** Stores bytes as an asset through the real asset service (worker-level tests). */
export async function storeAsset(p: Partial<PutOriginal> & { ref: PutOriginal['ref']; bytes?: number; data?: Uint8Array }) {
  const data = p.data ?? new TextEncoder().encode(`bytes of ${p.ref.publicId} ${Math.random()}`);
  const etag = toHex(new Uint8Array(await crypto.subtle.digest('MD5', data)));
  return putOriginal(env, {
    body: data,
    bytes: data.length,
    etag,
    contentType: 'application/octet-stream',
    format: null,
    overwrite: true,
    ...p,
  });
}

export const uniq = (prefix = 'id') => `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
