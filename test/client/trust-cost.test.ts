import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startOwnWorker } from '../support/worker';
import { signedPost } from '../support/upload';

/**
 * The derivation rate limit in a worker started the way `wrangler dev` starts
 * it: the `[[ratelimits]]` bindings of wrangler.toml are there and enforce the
 * variable's limit over HTTP.
 */
describe('rate limit on new derivations, over HTTP', { timeout: 120_000 }, () => {
  let worker: Awaited<ReturnType<typeof startOwnWorker>>;
  const id = `rl_${Date.now().toString(36)}`;

  beforeAll(async () => {
    worker = await startOwnWorker({ DERIVATIONS_PER_MINUTE_PER_CLIENT: '2', DERIVATIONS_PER_MINUTE_PER_CLOUD: '0' });
    const photo = readFileSync(new URL('../fixtures/photo-1mp.jpg', import.meta.url));
    expect(
      (await signedPost(worker.url, '/v1_1/demo/image/upload', { public_id: id }, { file: { bytes: photo, name: 'p.jpg' } })).status,
    ).toBe(200);
  }, 120_000);
  afterAll(() => worker?.dispose());

  it('answers 429 with X-Cld-Error past the limit, while stored variants and the original still serve', async () => {
    const get = async (path: string) => {
      const res = await fetch(`${worker.url}/demo/image/upload/${path}`);
      await res.arrayBuffer();
      return res;
    };
    expect((await get(`w_50/${id}.jpg`)).status).toBe(200);
    expect((await get(`w_60/${id}.jpg`)).status).toBe(200);
    const over = await get(`w_70/${id}.jpg`);
    expect(over.status).toBe(429);
    expect(over.headers.get('x-cld-error')).toMatch(/Rate limit exceeded/);
    expect((await get(`w_50/${id}.jpg`)).status).toBe(200);
    expect((await get(`${id}.jpg`)).status).toBe(200);
  });
});
