import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { putOriginal } from '../../src/storage/assets';
import { getResource } from '../../src/storage/resources';
import { basicAuth, OTHER, THIRD } from '../support/clouds';

const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
const CLOUD = THIRD.cloud_name;

async function asset(publicId: string) {
  await putOriginal(env, {
    ref: { cloud: CLOUD, resourceType: 'image', type: 'upload', publicId },
    body: bytes,
    bytes: bytes.length,
    etag: 'e',
    contentType: 'image/jpeg',
    format: 'jpg',
    overwrite: true,
  });
}

const mode = async (publicId: string) =>
  (await getResource(env.DB, { cloud: CLOUD, resourceType: 'image', type: 'upload', publicId }))?.access_mode;
const post = (path: string, body: BodyInit, headers: Record<string, string> = {}, auth = THIRD) =>
  SELF.fetch(`http://w/v1_1/${CLOUD}/${path}`, { method: 'POST', headers: { Authorization: basicAuth(auth), ...headers }, body });

describe('update_access_mode request forms', () => {
  it('accepts the Go SDK JSON body, the Python indexed multipart fields and a %2F-encoded path', async () => {
    const [a, b, c] = ['am_a', 'am_b', 'am_c'].map((x) => `${x}_${crypto.randomUUID().slice(0, 6)}`);
    for (const id of [a, b, c]) await asset(id);

    const json = await post(
      'resources/image/upload/update_access_mode',
      JSON.stringify({ access_mode: 'authenticated', public_ids: [a, b] }),
      {
        'Content-Type': 'application/json',
      },
    );
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({
      updated: [a, b].sort().map((public_id) => ({ public_id, access_mode: 'authenticated' })),
      failed: [],
    });
    expect(await mode(a)).toBe('authenticated');

    const form = new FormData();
    form.append('access_mode', 'public');
    form.append('public_ids[0]', a);
    form.append('public_ids[1]', c);
    const multipart = await post('resources%2Fimage%2Fupload%2Fupdate_access_mode', form);
    expect(multipart.status).toBe(200);
    expect(((await multipart.json()) as { updated: unknown[] }).updated).toHaveLength(2);
    expect([await mode(a), await mode(b), await mode(c)]).toEqual(['public', 'authenticated', 'public']);
  });

  it('takes up to 100 public ids per call', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `many_${crypto.randomUUID().slice(0, 6)}_${i}`);
    await asset(ids[0]);
    const body = ids.map((id) => `public_ids[]=${encodeURIComponent(id)}`).join('&');
    const res = await post('resources/image/upload/update_access_mode', `access_mode=authenticated&${body}`, {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { updated: unknown[]; failed: unknown[] };
    expect(answer.updated).toEqual([{ public_id: ids[0], access_mode: 'authenticated' }]);
    expect(answer.failed).toHaveLength(99);
    const tooMany = await post('resources/image/upload/update_access_mode', `access_mode=public&${body}&public_ids[]=one_more`, {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(tooMany.status).toBe(400);
  });

  it('updates by prefix within one cloud only, and refuses bad requests', async () => {
    const prefix = `page_${crypto.randomUUID().slice(0, 6)}/`;
    for (let i = 0; i < 3; i++) await asset(`${prefix}${i}`);
    const res = await post('resources/image/upload/update_access_mode', `access_mode=authenticated&prefix=${encodeURIComponent(prefix)}`, {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    const body = (await res.json()) as { updated: { public_id: string }[]; next_cursor?: string };
    expect(body.updated.map((u) => u.public_id)).toEqual([`${prefix}0`, `${prefix}1`, `${prefix}2`]);
    expect(body.next_cursor).toBeUndefined();

    const foreign = await SELF.fetch(`http://w/v1_1/${OTHER.cloud_name}/resources/image/upload/update_access_mode`, {
      method: 'POST',
      headers: { Authorization: basicAuth(OTHER), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `access_mode=public&prefix=${encodeURIComponent(prefix)}`,
    });
    expect(((await foreign.json()) as { updated: unknown[] }).updated).toEqual([]);
    expect(await mode(`${prefix}0`)).toBe('authenticated');

    const wrongCloud = await post(
      'resources/image/upload/update_access_mode',
      'access_mode=public&prefix=x',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      OTHER,
    );
    expect(wrongCloud.status).toBe(401);
    const both = await post('resources/image/upload/update_access_mode', 'access_mode=public&prefix=x&tag=y', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(both.status).toBe(400);
    expect(((await both.json()) as { error: { message: string } }).error.message).toMatch(/only one/);
  });

  it('pages prefix updates of more than 100 assets with next_cursor', async () => {
    const prefix = `bulk_${crypto.randomUUID().slice(0, 6)}/`;
    await asset(`${prefix}seed`); // creates the schema
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
       INSERT INTO resources (cloud, resource_type, type, public_id, asset_id, version, version_id, r2_key, format, content_type, bytes, etag, created_at, uploaded_at)
       SELECT ?, 'image', 'upload', ? || printf('%04d', i), 'a' || i, 1, 'v', 'k', 'jpg', 'image/jpeg', 4, 'e', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n`,
    )
      .bind(CLOUD, prefix)
      .run();
    const call = async (cursor?: string) => {
      const res = await post(
        'resources/image/upload/update_access_mode',
        `access_mode=authenticated&prefix=${encodeURIComponent(prefix)}${cursor ? `&next_cursor=${encodeURIComponent(cursor)}` : ''}`,
        { 'Content-Type': 'application/x-www-form-urlencoded' },
      );
      expect(res.status).toBe(200);
      return (await res.json()) as { updated: { public_id: string }[]; next_cursor?: string };
    };
    const first = await call();
    expect(first.updated).toHaveLength(100);
    expect(first.next_cursor).toBeTruthy();
    const second = await call(first.next_cursor);
    expect(second.updated).toHaveLength(21);
    expect(second.next_cursor).toBeUndefined();
    const all = [...first.updated, ...second.updated].map((u) => u.public_id);
    expect(new Set(all).size).toBe(121);
    const left = await env.DB.prepare(
      `SELECT count(*) AS n FROM resources WHERE cloud = ? AND substr(public_id, 1, ?) = ? AND access_mode = 'public'`,
    )
      .bind(CLOUD, prefix.length, prefix)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  }, 60_000);
});
