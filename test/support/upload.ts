import { createHash } from 'node:crypto';
import { DEMO } from './clouds';

/** A signed Upload API call over raw HTTP (multipart), signed as Cloudinary's SDKs sign (SHA-1 unless asked). */
export async function signedPost(
  base: string,
  path: string,
  fields: Record<string, string>,
  opts: { file?: { bytes: Uint8Array; name: string }; alg?: 'sha1' | 'sha256'; timestamp?: number; secret?: string; apiKey?: string } = {},
): Promise<Response> {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const all = { ...fields, timestamp };
  const toSign = Object.keys(all)
    .filter((k) => k !== 'file' && all[k as keyof typeof all] !== '')
    .sort()
    .map((k) => `${k}=${all[k as keyof typeof all]}`)
    .join('&');
  const signature = createHash(opts.alg ?? 'sha1')
    .update(toSign + (opts.secret ?? DEMO.api_secret))
    .digest('hex');
  const form = new FormData();
  for (const [k, v] of Object.entries(all)) form.set(k, v);
  form.set('signature', signature);
  form.set('api_key', opts.apiKey ?? DEMO.api_key);
  if (opts.file) form.set('file', new Blob([new Uint8Array(opts.file.bytes)]), opts.file.name);
  return fetch(`${base}${path}`, { method: 'POST', body: form });
}

export const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
