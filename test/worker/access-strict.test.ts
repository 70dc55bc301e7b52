import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkRequestAccess, checkResourceAccess } from '../../src/delivery/access/check';
import { computeUrlSignature, SHA1_SHORT } from '../../src/auth/url-signature';
import { findCloud } from '../../src/config/clouds';
import { namedTransformations } from '../../src/config/collections';
import { getSettings, updateSettings } from '../../src/config/settings';
import { parseDeliveryPath } from '../../src/protocol/delivery-url';
import { CldError } from '../../src/errors';
import { putOriginal } from '../../src/storage/assets';
import type { ResourceRow } from '../../src/storage/resources';

const CLOUD = 'locked';
const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);

async function asset(publicId: string, type = 'upload'): Promise<ResourceRow> {
  const { resource } = await putOriginal(env, {
    ref: { cloud: CLOUD, resourceType: 'image', type, publicId },
    body: bytes,
    bytes: bytes.length,
    etag: 'e',
    contentType: 'image/jpeg',
    format: 'jpg',
    overwrite: true,
  });
  return resource;
}

async function derivedRow(r: ResourceRow, transformation: string, format: string, eager: boolean, version = r.version) {
  await env.DB.prepare(
    `INSERT INTO derived (cloud, resource_id, version, transformation, format, r2_key, bytes, eager, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`,
  )
    .bind(CLOUD, r.id, version, transformation, format, `d/${r.id}/${transformation}`, eager ? 1 : 0, new Date().toISOString())
    .run();
}

/** The access stage's verdict on a path: the decision, or the 401's message. */
async function verdict(path: string, r?: ResourceRow): Promise<{ shareable: boolean } | string> {
  const input = {
    req: new Request(`http://w${path}`),
    env,
    d: parseDeliveryPath(path),
    cloud: findCloud(env, CLOUD)!,
    settings: await getSettings(env.CONFIG, CLOUD),
  };
  try {
    let decision = await checkRequestAccess(input);
    if (r) decision = await checkResourceAccess(input, r, decision);
    return { shareable: decision.shareable };
  } catch (err) {
    expect(err).toBeInstanceOf(CldError);
    expect((err as CldError).status).toBe(401);
    return (err as CldError).message;
  }
}

const NOT_ALLOWED = /is not allowed: strict transformations are on/;
const id = () => `strict_${crypto.randomUUID().slice(0, 8)}`;

describe('strict transformations (access stage, real KV and D1)', () => {
  beforeAll(async () => {
    await updateSettings(env.CONFIG, CLOUD, { strict_transformations: true });
    const named = namedTransformations(env.CONFIG, CLOUD);
    const at = new Date().toISOString();
    await named.put('thumb', {
      name: 'thumb',
      transformation: 'c_fill,h_80,w_80',
      allowed_for_strict: true,
      created_at: at,
      updated_at: at,
    });
    await named.put('with space', {
      name: 'with space',
      transformation: 'e_sepia',
      allowed_for_strict: true,
      created_at: at,
      updated_at: at,
    });
    await named.put('closed', { name: 'closed', transformation: 'e_blur', allowed_for_strict: false, created_at: at, updated_at: at });
    // Unnamed definitions marked through the Admin API, stored under their own string.
    await named.put('w_100', {
      name: 'w_100',
      transformation: 'w_100',
      named: false,
      allowed_for_strict: true,
      created_at: at,
      updated_at: at,
    });
    await named.put('c_scale,w_30/png', {
      name: 'c_scale,w_30/png',
      transformation: 'c_scale,w_30',
      format: 'png',
      named: false,
      allowed_for_strict: true,
      created_at: at,
      updated_at: at,
    });
    await named.put('e_sepia', {
      name: 'e_sepia',
      transformation: 'e_sepia',
      named: false,
      allowed_for_strict: false,
      created_at: at,
      updated_at: at,
    });
  });

  it('serves a derived image generated eagerly for the current version, with its extension', async () => {
    const pid = id();
    const r = await asset(pid);
    await derivedRow(r, 'c_fill,h_100,w_100', 'jpg', true);
    await derivedRow(r, 'c_scale,w_200|webp', 'webp', true);
    await derivedRow(r, 'e_blur', 'jpg', false);
    await derivedRow(r, 'c_scale,w_10', 'jpg', true, r.version - 1);

    expect(await verdict(`/${CLOUD}/image/upload/c_fill,h_100,w_100/${pid}.jpg`)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/c_fill,h_100,w_100/v${r.version}/${pid}.jpeg`)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/c_fill,h_100,w_100/${pid}`)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/c_fill,h_100,w_100/${pid}.png`)).toMatch(NOT_ALLOWED);
    // rows as the derived store writes them: canonical transformation, then the variant's format
    expect(await verdict(`/${CLOUD}/image/upload/c_scale,w_200/${pid}.webp`)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/w_200,c_scale/${pid}.webp`)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/c_scale,w_200/${pid}.jpg`)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/upload/c_fill,h_100,w_101/${pid}.jpg`)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/upload/e_blur/${pid}.jpg`)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/upload/c_scale,w_10/${pid}.jpg`)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/private/c_fill,h_100,w_100/${pid}.jpg`)).toMatch(NOT_ALLOWED);
  });

  it('eager rows of private assets open their derived URL too', async () => {
    const pid = id();
    const r = await asset(pid, 'private');
    await derivedRow(r, 'l_text:Arial_20:a b', 'jpg', true);
    expect(await verdict(`/${CLOUD}/image/private/l_text:Arial_20:a%20b/${pid}.jpg`)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/private/${pid}.jpg`)).toMatch(/requires a signed URL/);
  });

  it('serves URLs made only of named transformations allowed for strict', async () => {
    const pid = id();
    await asset(pid);
    expect(await verdict(`/${CLOUD}/image/upload/t_thumb/${pid}.jpg`)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/t_thumb/t_with%20space/${pid}.jpg`)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/t_thumb.with%20space/${pid}.jpg`)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/t_closed/${pid}.jpg`)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/upload/t_thumb.closed/${pid}.jpg`)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/upload/t_unknown/${pid}.jpg`)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/upload/t_thumb,w_10/${pid}.jpg`)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/upload/t_thumb/w_10/${pid}.jpg`)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/upload/t_w_100/${pid}.jpg`)).toMatch(NOT_ALLOWED);
  });

  it('serves unnamed transformations marked allowed_for_strict', async () => {
    const pid = id();
    await asset(pid);
    expect(await verdict(`/${CLOUD}/image/upload/w_100/${pid}.jpg`)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/c_scale,w_30/${pid}.png`)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/c_scale,w_30/${pid}.jpg`)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/upload/w_101/${pid}.jpg`)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/upload/e_sepia/${pid}.jpg`)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/upload/w_100/e_sepia/${pid}.jpg`)).toMatch(NOT_ALLOWED);
  });

  it('serves any signed derived URL, and judges originals by their extension', async () => {
    const pid = id();
    const r = await asset(pid);
    const secret = findCloud(env, CLOUD)!.apiSecret;
    const sig = await computeUrlSignature(`e_grayscale/${pid}.jpg`, secret, SHA1_SHORT);
    expect(await verdict(`/${CLOUD}/image/upload/s--${sig}--/e_grayscale/${pid}.jpg`, r)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/e_grayscale/${pid}.jpg`, r)).toMatch(NOT_ALLOWED);
    expect(await verdict(`/${CLOUD}/image/upload/${pid}.jpg`, r)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/${pid}.JPEG`, r)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/upload/${pid}.webp`, r)).toMatch(/format webp is not allowed/);
    expect(await verdict(`/${CLOUD}/image/upload/${pid}`, r)).toMatch(/without an extension/);
  });

  it('lets plain fetch URLs through, but not unsigned fetch transformations', async () => {
    const remote = 'https://example.com/photo';
    const fetched = { ...(await asset(id())), type: 'fetch', public_id: remote };
    expect(await verdict(`/${CLOUD}/image/fetch/${remote}`, fetched)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/fetch/w_77/${remote}`, fetched)).toMatch(NOT_ALLOWED);
    const secret = findCloud(env, CLOUD)!.apiSecret;
    const sig = await computeUrlSignature(`w_77/${remote}`, secret, SHA1_SHORT);
    expect(await verdict(`/${CLOUD}/image/fetch/s--${sig}--/w_77/${remote}`, fetched)).toEqual({ shareable: true });
  });

  it('answers 401 over HTTP with the reason, and lets go as soon as the setting is written', async () => {
    const pid = id();
    await asset(pid);
    const res = await SELF.fetch(`http://w/${CLOUD}/image/upload/c_scale,w_50/${pid}.jpg`);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-cld-error')).toMatch(/^Transformation c_scale,w_50 is not allowed: strict transformations are on/);
    expect(res.headers.get('cache-control')).toBe('no-store');

    await updateSettings(env.CONFIG, CLOUD, { strict_transformations: false });
    try {
      expect(await verdict(`/${CLOUD}/image/upload/c_scale,w_50/${pid}.jpg`)).toEqual({ shareable: true });
      expect((await SELF.fetch(`http://w/${CLOUD}/image/upload/c_scale,w_50/${pid}.jpg`)).status).not.toBe(401);
    } finally {
      await updateSettings(env.CONFIG, CLOUD, { strict_transformations: true });
    }
  });
});

describe('shareability of allowed answers', () => {
  it('is false whenever a signature or token was needed', async () => {
    await updateSettings(env.CONFIG, CLOUD, { strict_transformations: false });
    const secret = findCloud(env, CLOUD)!.apiSecret;
    const pid = id();
    const sig = await computeUrlSignature(`${pid}.jpg`, secret, SHA1_SHORT);
    expect(await verdict(`/${CLOUD}/image/private/s--${sig}--/${pid}.jpg`)).toEqual({ shareable: false });
    expect(await verdict(`/${CLOUD}/image/authenticated/s--${sig}--/${pid}.jpg`)).toEqual({ shareable: false });
    expect(await verdict(`/${CLOUD}/image/upload/s--${sig}--/${pid}.jpg`)).toEqual({ shareable: true });
    expect(await verdict(`/${CLOUD}/image/private/w_10/${pid}.jpg`)).toEqual({ shareable: true });
    const r = await asset(pid);
    await env.DB.prepare("UPDATE resources SET access_mode = 'authenticated' WHERE id = ?").bind(r.id).run();
    const row = { ...r, access_mode: 'authenticated' };
    expect(await verdict(`/${CLOUD}/image/upload/s--${sig}--/${pid}.jpg`, row)).toEqual({ shareable: false });
    expect(await verdict(`/${CLOUD}/image/upload/${pid}.jpg`, row)).toMatch(/authenticated access/);
  });
});
