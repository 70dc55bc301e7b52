import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { namedTransformations } from '../../src/config/collections';
import { computeUrlSignature, SHA1_SHORT } from '../../src/auth/url-signature';
import { putOriginal } from '../../src/storage/assets';
import { basicAuth, OTHER } from '../support/clouds';
import { uid } from './support/fixtures';
import { encodePng, makeRaster } from './support/images';

/**
 * Protected images never leak through layers (issue 18, high): every way one
 * asset appears inside another's answer (overlays, underlays, `d_` default
 * images, named transformations with layers) applies the layered asset's own
 * access rules and moderation; an answer that needed a signature is never
 * kept by the edge cache.
 */
const CLOUD = OTHER.cloud_name;
const png = encodePng(makeRaster(40, 30, (x, y) => [x * 6, y * 8, 120]));
const T = { timeout: 60_000 };

async function store(publicId: string, opts: { type?: string; accessMode?: string; moderation?: { kind: string; status: string } } = {}) {
  await putOriginal(env, {
    ref: { cloud: CLOUD, resourceType: 'image', type: opts.type ?? 'upload', publicId },
    body: png,
    bytes: png.length,
    etag: uid('etag'),
    contentType: 'image/png',
    format: 'png',
    width: 40,
    height: 30,
    overwrite: true,
    accessMode: opts.accessMode,
    moderation: opts.moderation ?? null,
  });
}

const get = (path: string) => SELF.fetch(`http://w/${CLOUD}/image/upload/${path}`);
const signed = async (path: string) => {
  const slash = path.lastIndexOf('/');
  const sig = await computeUrlSignature(path, OTHER.api_secret, SHA1_SHORT);
  return get(`s--${sig}--/${path.slice(0, slash)}/${path.slice(slash + 1)}`);
};
const status = async (res: Response) => {
  await res.arrayBuffer();
  return res.status;
};

describe('layers apply the layered asset’s own access rules', () => {
  const base = uid('base');
  const secret = uid('secret');
  const authType = uid('authtype');
  const priv = uid('private');
  const rejected = uid('rejected');
  const pending = uid('pending');
  const named = uid('named');

  beforeAll(async () => {
    await store(base);
    await store(secret, { accessMode: 'authenticated' });
    await store(authType, { type: 'authenticated' });
    await store(priv, { type: 'private' });
    await store(rejected, { moderation: { kind: 'manual', status: 'rejected' } });
    await store(pending, { moderation: { kind: 'manual', status: 'pending' } });
    const now = new Date().toISOString();
    await namedTransformations(env.CONFIG, CLOUD).put(named, {
      name: named,
      transformation: `l_${secret},w_10/fl_layer_apply`,
      allowed_for_strict: false,
      created_at: now,
      updated_at: now,
    });
  });

  it('refuses unsigned overlays, underlays and named transformations of an access_mode=authenticated image', T, async () => {
    for (const t of [`l_${secret}`, `u_${secret}`, `l_${secret},w_10/fl_layer_apply`, `t_${named}`, `w_20/t_${named}`]) {
      const res = await get(`${t}/${base}.png`);
      expect(await status(res), t).toBe(401);
      expect(res.headers.get('X-Cld-Error'), t).toMatch(/authenticated/);
      expect(res.headers.get('Cache-Control'), t).not.toMatch(/public/);
    }
  });

  it(
    'refuses an unsigned layer of an authenticated-type image, and allows a private one (its derived versions are public)',
    T,
    async () => {
      expect(await status(await get(`l_authenticated:${authType}/${base}.png`))).toBe(401);
      expect(await status(await get(`l_private:${priv}/${base}.png`))).toBe(200);
    },
  );

  it('serves a signed URL with a protected layer, but never from or into a shared cache', T, async () => {
    for (const t of [`l_${secret}`, `l_authenticated:${authType}`, `t_${named}`]) {
      for (let i = 0; i < 2; i++) {
        const res = await signed(`${t}/${base}.png`);
        expect(await status(res), t).toBe(200);
        expect(res.headers.get('Cache-Control'), t).toBe('private, no-store');
        expect(res.headers.get('X-Cache'), t).toBe('MISS');
      }
    }
  });

  it('treats a layer rejected by moderation as missing, and a pending one as delivered', T, async () => {
    expect(await status(await get(`l_${rejected}/${base}.png`))).toBe(404);
    expect(await status(await get(`u_${rejected}/${base}.png`))).toBe(404);
    expect(await status(await get(`l_${pending}/${base}.png`))).toBe(200);
  });

  it('re-checks layers on an edge-cache hit: a layer made authenticated later stops the cached answer', T, async () => {
    const later = uid('later');
    await store(later);
    const path = `l_${later},w_12/${base}.png`;
    expect(await status(await get(path))).toBe(200);
    const hit = await get(path);
    expect(await status(hit)).toBe(200);
    expect(hit.headers.get('X-Cache')).toBe('HIT');
    const changed = await SELF.fetch(`http://w/v1_1/${CLOUD}/resources/image/upload/update_access_mode`, {
      method: 'POST',
      headers: { Authorization: basicAuth(OTHER), 'Content-Type': 'application/json' },
      body: JSON.stringify({ access_mode: 'authenticated', public_ids: [later] }),
    });
    expect(await status(changed)).toBe(200);
    expect(await status(await get(path))).toBe(401);
  });

  it('applies the default image’s own access rules to d_', T, async () => {
    const missing = uid('missing');
    expect(await status(await get(`d_${secret}/w_10/${missing}.png`))).toBe(401);
    expect(await status(await get(`d_${rejected}/w_10/${missing}.png`))).toBe(404);
    const ok = await get(`d_${base}/w_10/${missing}.png`);
    expect(await status(ok)).toBe(200);
  });
});
