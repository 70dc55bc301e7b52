import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { CldError } from '../../src/errors';
import { uploadMappings } from '../../src/config/collections';
import { parseDeliveryPath } from '../../src/protocol/delivery-url';
import { keepSeconds } from '../../src/services/remote/freshness';
import { mappedSource } from '../../src/services/remote/auto-upload';
import { claimAndStore, storeOnce, type Loaded } from '../../src/services/remote/single-flight';

const uid = (p = 't') => `${p}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

/** A tiny real PNG (1x1). */
const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='), (c) =>
  c.charCodeAt(0),
);

const loaded = (): Loaded => ({ body: PNG, bytes: PNG.length, etag: 'e', contentType: 'image/png', format: 'png', width: 1, height: 1 });

describe('auto-upload single flight', () => {
  const times = { claimTtlMs: 5_000, pollMs: 20 };

  it('loads and stores once when many callers race through the D1 claim', async () => {
    const ref = { cloud: 'demo', resourceType: 'image', type: 'upload', publicId: `race/${uid()}` };
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 100));
      return loaded();
    };
    const rows = await Promise.all(Array.from({ length: 6 }, () => claimAndStore(env, ref, load, times)));
    expect(loads).toBe(1);
    expect(new Set(rows.map((r) => r.version)).size).toBe(1);
    expect(new Set(rows.map((r) => r.r2_key)).size).toBe(1);
    // One load means one write: no version was allocated for a losing writer.
    const objects = await env.BUCKET.list({ prefix: `o/demo/image/upload/${encodeURIComponent(ref.publicId)}/` });
    expect(objects.objects.map((o) => o.key)).toEqual([rows[0].r2_key]);
    const claim = await env.DB.prepare('SELECT * FROM auto_upload_claims WHERE public_id = ?').bind(ref.publicId).first();
    expect(claim).toBeNull();
  });

  it('shares one promise within an isolate', async () => {
    const ref = { cloud: 'demo', resourceType: 'image', type: 'upload', publicId: `share/${uid()}` };
    let loads = 0;
    const load = async () => {
      loads++;
      return loaded();
    };
    const [a, b] = await Promise.all([storeOnce(env, ref, load, times), storeOnce(env, ref, load, times)]);
    expect(loads).toBe(1);
    expect(a.version).toBe(b.version);
  });

  it('hands a failure to the waiting callers, then lets a later request try again', async () => {
    const ref = { cloud: 'demo', resourceType: 'image', type: 'upload', publicId: `fail/${uid()}` };
    let loads = 0;
    const failing = async (): Promise<Loaded> => {
      loads++;
      await new Promise((r) => setTimeout(r, 100));
      throw new CldError(404, 'Error in loading x - remote server answered 404');
    };
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => claimAndStore(env, ref, failing, times)));
    expect(loads).toBe(1);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ status: 404 });
    }
    await new Promise((r) => setTimeout(r, 2_100));
    const row = await claimAndStore(env, ref, async () => loaded(), times);
    expect(row.format).toBe('png');
  });

  it('takes over a stale claim whose holder died', async () => {
    const ref = { cloud: 'demo', resourceType: 'image', type: 'upload', publicId: `stale/${uid()}` };
    await claimAndStore(env, { ...ref, publicId: `${ref.publicId}_warm` }, async () => loaded(), times);
    await env.DB.prepare(
      'INSERT INTO auto_upload_claims (cloud, resource_type, type, public_id, claim_id, claimed_at) VALUES (?, ?, ?, ?, ?, ?)',
    )
      .bind(ref.cloud, ref.resourceType, ref.type, ref.publicId, 'dead', Date.now() - 60_000)
      .run();
    const row = await claimAndStore(env, ref, async () => loaded(), times);
    expect(row.public_id).toBe(ref.publicId);
  });
});

describe('upload mapping lookup', () => {
  it('uses the deepest mapped folder and keeps the rest of the path as written', async () => {
    const top = uid('m');
    const mappings = uploadMappings(env.CONFIG, 'demo');
    await mappings.put(top, { folder: top, template: 'https://a.example/' });
    await mappings.put(`${top}/deep`, { folder: `${top}/deep`, template: 'https://b.example/x/' });
    const d = (path: string) => parseDeliveryPath(`/demo/image/upload/${path}`);
    expect(await mappedSource(env.CONFIG, d(`${top}/one/pic.jpg`))).toMatchObject({ remoteUrl: 'https://a.example/one/pic.jpg' });
    expect(await mappedSource(env.CONFIG, d(`v1/${top}/deep/my%20pic.png`))).toMatchObject({
      remoteUrl: 'https://b.example/x/my%20pic.png',
    });
    expect(await mappedSource(env.CONFIG, d(`w_100/${top}/pic`))).toMatchObject({ remoteUrl: 'https://a.example/pic' });
    expect(await mappedSource(env.CONFIG, d(`other_${top}/pic.jpg`))).toBeNull();
    expect(await mappedSource(env.CONFIG, d(top + '.jpg'))).toBeNull();
    expect(await mappedSource(env.CONFIG, parseDeliveryPath(`/demo/image/private/${top}/pic.jpg`))).toBeNull();
  });
});

describe('fetched original refresh interval', () => {
  const h = (init: Record<string, string>) => new Headers(init);
  const now = Date.parse('2026-01-01T00:00:00Z');

  it.each([
    [{}, 86_400, 86_400],
    [{ 'Cache-Control': 'public, max-age=600' }, 86_400, 600],
    [{ 'Cache-Control': 's-maxage=300, max-age=600' }, 86_400, 300],
    [{ 'Cache-Control': 'max-age=999999999' }, 86_400, 86_400],
    [{ 'Cache-Control': 'max-age=0' }, 86_400, 60],
    [{ 'Cache-Control': 'no-store' }, 86_400, 60],
    [{ 'Cache-Control': 'no-cache, max-age=600' }, 86_400, 60],
    [{ 'Cache-Control': 'private' }, 86_400, 60],
    [{ Expires: 'Thu, 01 Jan 2026 01:00:00 GMT' }, 86_400, 3_600],
    [{ Expires: 'garbage' }, 86_400, 86_400],
    [{ 'Cache-Control': 'no-store' }, 1, 1],
  ] as const)('%j with ceiling %i keeps %i s', (headers, ceiling, expected) => {
    expect(keepSeconds(h(headers), ceiling, now)).toBe(expected);
  });
});
