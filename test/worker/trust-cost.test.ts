import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { app } from '../../src/http/app';
import { computeUrlSignature, SHA1_SHORT } from '../../src/auth/url-signature';
import { putOriginal } from '../../src/storage/assets';
import type { ResourceRow } from '../../src/storage/resources';
import { OTHER } from '../support/clouds';
import { roomInRateWindow } from '../support/rate-window';
import { uid } from './support/fixtures';
import { encodePng, makeRaster } from './support/images';

/**
 * Cost boundaries (issue 18): new derived images for unsigned requests are
 * rate limited per client and per cloud through the Workers rate-limiting
 * bindings, and each asset keeps a bounded number of derived images.
 */
const png = encodePng(makeRaster(40, 30, (x, y) => [x * 6, y * 8, 90]));
const T = { timeout: 120_000 };

async function store(cloud: string, publicId: string): Promise<ResourceRow> {
  const { resource } = await putOriginal(env, {
    ref: { cloud, resourceType: 'image', type: 'upload', publicId },
    body: png,
    bytes: png.length,
    etag: uid('etag'),
    contentType: 'image/png',
    format: 'png',
    width: 40,
    height: 30,
    overwrite: true,
  });
  return resource;
}

const randomIp = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

/** One request through the whole app with some variables changed, as from `ip`. */
async function get(vars: Record<string, string>, path: string, ip: string): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://w${path}`, { headers: { 'CF-Connecting-IP': ip } }), { ...env, ...vars }, ctx);
  await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return res;
}

describe('rate limits on new derivations for unsigned requests', () => {
  const id = uid('rl');
  beforeAll(() => store(OTHER.cloud_name, id));

  it('refuses a client over DERIVATIONS_PER_MINUTE_PER_CLIENT with 429, and nobody else', T, async () => {
    await roomInRateWindow();
    const vars = { DERIVATIONS_PER_MINUTE_PER_CLIENT: '3', DERIVATIONS_PER_MINUTE_PER_CLOUD: '0' };
    const ip = randomIp();
    for (const w of [1, 2, 3]) expect((await get(vars, `/other/image/upload/w_${w}/${id}.png`, ip)).status, `w_${w}`).toBe(200);
    const over = await get(vars, `/other/image/upload/w_4/${id}.png`, ip);
    expect(over.status).toBe(429);
    expect(over.headers.get('X-Cld-Error')).toMatch(/Rate limit exceeded.*3 new derived images per minute for this client/);
    expect(over.headers.get('Retry-After')).toBe('60');
    // What exists already costs nothing; another client has its own allowance; a signed URL spends none.
    expect((await get(vars, `/other/image/upload/w_2/v1/${id}.png`, ip)).status).toBe(200);
    expect((await get(vars, `/other/image/upload/w_4/${id}.png`, randomIp())).status).toBe(200);
    const sig = await computeUrlSignature(`w_5/${id}.png`, OTHER.api_secret, SHA1_SHORT);
    expect((await get(vars, `/other/image/upload/s--${sig}--/w_5/${id}.png`, ip)).status).toBe(200);
  });

  it('counts an IPv6 client by its /64', T, async () => {
    await roomInRateWindow();
    const vars = { DERIVATIONS_PER_MINUTE_PER_CLIENT: '1', DERIVATIONS_PER_MINUTE_PER_CLOUD: '0' };
    const prefix = `2001:db8:${Math.floor(Math.random() * 65535).toString(16)}:${Math.floor(Math.random() * 65535).toString(16)}`;
    expect((await get(vars, `/other/image/upload/w_6/${id}.png`, `${prefix}::1`)).status).toBe(200);
    expect((await get(vars, `/other/image/upload/w_7/${id}.png`, `${prefix}:0:0:0:2`)).status).toBe(429);
  });

  it('refuses a cloud over DERIVATIONS_PER_MINUTE_PER_CLOUD, whatever the client', T, async () => {
    await roomInRateWindow();
    const cloud = { cloud_name: uid('rate').replace(/_/g, '-'), api_key: '777777777777777', api_secret: 'rate-secret' };
    const vars = { CLOUDS: JSON.stringify([cloud]), DERIVATIONS_PER_MINUTE_PER_CLIENT: '0', DERIVATIONS_PER_MINUTE_PER_CLOUD: '2' };
    await store(cloud.cloud_name, id);
    for (const w of [1, 2]) expect((await get(vars, `/${cloud.cloud_name}/image/upload/w_${w}/${id}.png`, randomIp())).status).toBe(200);
    const over = await get(vars, `/${cloud.cloud_name}/image/upload/w_3/${id}.png`, randomIp());
    expect(over.status).toBe(429);
    expect(over.headers.get('X-Cld-Error')).toMatch(/for this cloud/);
  });

  it('turns a limit off with 0', T, async () => {
    const vars = { DERIVATIONS_PER_MINUTE_PER_CLIENT: '0', DERIVATIONS_PER_MINUTE_PER_CLOUD: '0' };
    const ip = randomIp();
    for (const w of [11, 12, 13, 14, 15]) expect((await get(vars, `/other/image/upload/w_${w}/${id}.png`, ip)).status).toBe(200);
  });

  it('never throttles a page asking for a hundred new thumbnails at once with the default limits', T, async () => {
    const page = uid('page');
    await store(OTHER.cloud_name, page);
    const ip = randomIp();
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => get({}, `/other/image/upload/c_fill,w_${20 + batch * 10 + i},h_20/${page}.png`, ip)),
      );
      statuses.push(...answers.map((r) => r.status));
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(statuses).toHaveLength(100);
  });
});

describe('a cap on stored derived images per asset', () => {
  const derivedOf = async (r: ResourceRow) =>
    (
      await env.DB.prepare('SELECT transformation, r2_key FROM derived WHERE resource_id = ? ORDER BY id')
        .bind(r.id)
        .all<{ transformation: string; r2_key: string }>()
    ).results;

  it('removes the least recently used variants beyond MAX_DERIVED_PER_ASSET, from D1 and R2', T, async () => {
    const vars = { MAX_DERIVED_PER_ASSET: '3', DERIVATIONS_PER_MINUTE_PER_CLIENT: '0', DERIVATIONS_PER_MINUTE_PER_CLOUD: '0' };
    const id = uid('cap');
    const r = await store(OTHER.cloud_name, id);
    const ip = randomIp();
    for (const w of [1, 2, 3]) expect((await get(vars, `/other/image/upload/w_${w}/${id}.png`, ip)).status).toBe(200);
    // w_1 is served again from R2 (another URL form of the same variant, so not from the edge cache): now the most recent.
    expect((await get(vars, `/other/image/upload/w_1/v${r.version}/${id}.png`, ip)).status).toBe(200);
    const before = await derivedOf(r);
    expect(before.map((d) => d.transformation.split('|')[0])).toEqual(['w_1', 'w_2', 'w_3']);
    const w2Key = before[1].r2_key;

    expect((await get(vars, `/other/image/upload/w_4/${id}.png`, ip)).status).toBe(200);
    const after = await derivedOf(r);
    expect(after.map((d) => d.transformation.split('|')[0])).toEqual(['w_1', 'w_3', 'w_4']);
    expect(await env.BUCKET.head(w2Key)).toBeNull();
    for (const d of after) expect(await env.BUCKET.head(d.r2_key), d.transformation).not.toBeNull();
    // The evicted variant is simply made again when asked for.
    expect((await get(vars, `/other/image/upload/w_2/v${r.version}/${id}.png`, ip)).status).toBe(200);
  });
});
