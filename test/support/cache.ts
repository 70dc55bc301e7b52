import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { basicAuth } from './clouds';
import { fixtureBytes } from './fixtures';

export interface Cloud {
  cloud_name: string;
  api_key: string;
  api_secret: string;
}

export const photo = fixtureBytes('photo-1mp.jpg');
export const otherPhoto = fixtureBytes('orientation-6.jpg');

/** A signed Upload API call (upload, explicit, destroy, rename...) for any configured cloud. */
export async function uploadApi(base: string, c: Cloud, action: string, fields: Record<string, string>, file?: Buffer) {
  const params: Record<string, string> = { timestamp: String(Math.floor(Date.now() / 1000)), ...fields };
  const toSign = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const form = new FormData();
  for (const [k, v] of Object.entries(params)) form.set(k, v);
  form.set('api_key', c.api_key);
  form.set(
    'signature',
    createHash('sha1')
      .update(toSign + c.api_secret)
      .digest('hex'),
  );
  if (file) form.set('file', new Blob([file], { type: 'image/jpeg' }), 'photo.jpg');
  const res = await fetch(`${base}/v1_1/${c.cloud_name}/image/${action}`, { method: 'POST', body: form });
  const json = (await res.json()) as { version: number; public_id: string; result?: string; error?: { message: string } };
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

export async function upload(
  base: string,
  c: Cloud,
  publicId: string,
  opts: { bytes?: Buffer; tags?: string[]; extra?: Record<string, string> } = {},
) {
  const fields: Record<string, string> = { public_id: publicId, ...(opts.extra ?? {}) };
  if (opts.tags) fields.tags = opts.tags.join(',');
  return uploadApi(base, c, 'upload', fields, opts.bytes ?? photo);
}

export async function purge(base: string, c: Cloud, body: unknown) {
  const res = await fetch(`${base}/v1_1/${c.cloud_name}/purge`, {
    method: 'POST',
    headers: { Authorization: basicAuth(c), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { purged?: number; error?: { message: string } } };
}

/** One request; the body is read so the worker finishes its put. */
export async function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(url, { headers, method });
  const body = Buffer.from(await res.arrayBuffer());
  return { res, status: res.status, cache: res.headers.get('x-cache'), body };
}

/** Asks until the copy stored after a MISS answers (the put completes after the answer is sent). */
export async function untilHit(url: string, headers: Record<string, string> = {}) {
  for (let i = 0; i < 100; i++) {
    const r = await get(url, headers);
    expect(r.status, url).toBe(200);
    if (r.cache === 'HIT') return r;
    await new Promise((done) => setTimeout(done, 20));
  }
  throw new Error(`never a HIT: ${url}`);
}

/** Cloudflare Cache-Tag names, computed as src/services/cache/tags.ts does, from the outside. */
const tag = (kind: string, parts: string[]) => `cld${kind}-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`;
export const cfTags = {
  cloud: (cloud: string) => tag('c', [cloud]),
  asset: (cloud: string, publicId: string, rt = 'image', type = 'upload') => tag('a', [cloud, rt, type, publicId]),
  form: (cloud: string, publicId: string, form: string, rt = 'image', type = 'upload') => tag('f', [cloud, rt, type, publicId, form]),
  url: (cloud: string, urlKey: string) => tag('u', [cloud, urlKey]),
};
