import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startOwnWorker } from '../support/worker';
import { signedPost } from '../support/upload';
import { serve, startOrigin, type Origin } from '../support/origin';
import { basicAuth, DEMO } from '../support/clouds';
import { roomInRateWindow } from '../support/rate-window';

/**
 * The derivation rate limit in a worker started the way `wrangler dev` starts
 * it: the `[[ratelimits]]` bindings of wrangler.toml are there and enforce the
 * variable's limit over HTTP, for new derived images and new fetched and auto-uploaded originals.
 */
const photo = readFileSync(new URL('../fixtures/photo-1mp.jpg', import.meta.url));

describe('rate limit on new derivations, over HTTP', { timeout: 120_000 }, () => {
  let worker: Awaited<ReturnType<typeof startOwnWorker>>;
  let origin: Origin;
  const id = `rl_${Date.now().toString(36)}`;

  beforeAll(async () => {
    worker = await startOwnWorker({ DERIVATIONS_PER_MINUTE_PER_CLIENT: '3', DERIVATIONS_PER_MINUTE_PER_CLOUD: '0' });
    origin = await startOrigin();
    for (const name of ['a', 'b']) origin.route(`/${name}.jpg`, serve(photo, { 'Content-Type': 'image/jpeg' }));
    const mapping = await fetch(`${worker.url}/v1_1/demo/upload_mappings`, {
      method: 'POST',
      headers: { Authorization: basicAuth(DEMO), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ folder: `${id}_mapped`, template: `${origin.url}/` }),
    });
    expect(mapping.status).toBe(200);
    const up = await signedPost(worker.url, '/v1_1/demo/image/upload', { public_id: id }, { file: { bytes: photo, name: 'p.jpg' } });
    expect(up.status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await origin?.close();
    await worker?.dispose();
  });

  const get = async (path: string) => {
    const res = await fetch(`${worker.url}/demo/image/${path}`);
    await res.arrayBuffer();
    return res;
  };

  it('answers 429 with X-Cld-Error past the limit for new derived images, fetched and auto-uploaded originals; what is kept still serves', async () => {
    await roomInRateWindow();
    expect((await get(`fetch/${origin.url}/a.jpg`)).status).toBe(200);
    expect((await get(`upload/${id}_mapped/a.jpg`)).status).toBe(200);
    expect((await get(`upload/w_50/${id}.jpg`)).status).toBe(200);
    const over = await get(`upload/w_70/${id}.jpg`);
    expect(over.status).toBe(429);
    expect(over.headers.get('x-cld-error')).toMatch(/Rate limit exceeded/);
    expect((await get(`fetch/${origin.url}/b.jpg`)).status).toBe(429);
    expect((await get(`upload/${id}_mapped/b.jpg`)).status).toBe(429);
    expect((await get(`upload/${id}_mapped/a.jpg`)).status).toBe(200);

    expect((await get(`fetch/${origin.url}/a.jpg`)).status).toBe(200);
    expect((await get(`upload/${id}_mapped/a.jpg`)).status).toBe(200);
    expect((await get(`upload/w_50/${id}.jpg`)).status).toBe(200);
    expect((await get(`upload/${id}.jpg`)).status).toBe(200);
  });
});
