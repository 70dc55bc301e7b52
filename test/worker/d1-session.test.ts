import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app } from '../../src/http/app';
import { bookmarkOf, BOOKMARK_HEADER, sessionOf, sessionStart } from '../../src/config/d1-session';
import { basicAuth, DEMO } from '../support/clouds';
import { fixture, storeImage, uid } from './support/fixtures';

/**
 * D1 read replicas through the Sessions API (src/config/d1-session.ts). Local
 * D1 has no replicas, so what is tested is the bookmark handling: a session
 * sees its own writes, a session started from a bookmark sees what came
 * before it, and the bookmark round-trips through the `X-D1-Bookmark` header.
 */
async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://w${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const adminHeaders = (more: Record<string, string> = {}) => ({ Authorization: basicAuth(DEMO), ...more });

describe('D1 sessions', () => {
  it('a session reads its own write, and a session from its bookmark reads it too', async () => {
    const tag = uid('sess');
    const resource = await storeImage(uid('sess'), fixture('alpha.png'));
    const first = sessionOf(env.DB, 'first-primary');
    expect(first.bookmark()).toBeNull();
    const tagsOf = (db: D1Database) => db.prepare('SELECT tag FROM resource_tags WHERE resource_id = ? AND tag = ?').bind(resource.id, tag);
    await first.db.prepare("INSERT INTO resource_tags (resource_id, cloud, tag) VALUES (?, 'demo', ?)").bind(resource.id, tag).run();
    expect(await tagsOf(first.db).first('tag')).toBe(tag);
    const bookmark = first.bookmark();
    expect(bookmark).toEqual(expect.any(String));
    expect(bookmarkOf(new Request('http://w/', { headers: { [BOOKMARK_HEADER]: bookmark! } }))).toBe(bookmark);

    const later = sessionOf(env.DB, bookmark!);
    const [read] = await later.db.batch([tagsOf(later.db)]);
    expect(read.results).toEqual([{ tag }]);
    expect(later.bookmark()! >= bookmark!).toBe(true);
  });

  it('reads start at any replica, writes at the primary, a valid bookmark wherever it points; a malformed one is ignored', () => {
    const req = (method: string, bookmark?: string) =>
      new Request('http://w/', { method, headers: bookmark === undefined ? {} : { [BOOKMARK_HEADER]: bookmark } });
    expect(sessionStart(req('GET'))).toBe('first-unconstrained');
    expect(sessionStart(req('HEAD'))).toBe('first-unconstrained');
    expect(sessionStart(req('POST'))).toBe('first-primary');
    expect(sessionStart(req('DELETE'))).toBe('first-primary');
    expect(sessionStart(req('GET', '0000000a-00000001-00004f2c-9a8d7e6f'))).toBe('0000000a-00000001-00004f2c-9a8d7e6f');
    for (const bad of ['', 'first-primary', 'x'.repeat(300), "1' OR 1=1", '0000-zzzz', 'a'.repeat(65)])
      expect(sessionStart(req('GET', bad)), bad).toBe('first-unconstrained');
  });

  it('an API answer carries the bookmark; sent back, the next read sees the write', { timeout: 30_000 }, async () => {
    const id = uid('sess');
    await storeImage(id, fixture('alpha.png'));
    const update = await call(`/v1_1/demo/resources/image/upload/${id}`, {
      method: 'POST',
      headers: adminHeaders({ 'Content-Type': 'application/x-www-form-urlencoded' }),
      body: new URLSearchParams({ tags: 'booked' }).toString(),
    });
    expect(update.status).toBe(200);
    const bookmark = update.headers.get(BOOKMARK_HEADER);
    expect(bookmark).toEqual(expect.any(String));
    expect(bookmarkOf(new Request('http://w/', { headers: { [BOOKMARK_HEADER]: bookmark! } }))).toBe(bookmark);

    const read = await call(`/v1_1/demo/resources/image/upload/${id}`, { headers: adminHeaders({ [BOOKMARK_HEADER]: bookmark! }) });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { tags: string[] }).tags).toEqual(['booked']);
    expect(read.headers.get(BOOKMARK_HEADER)! >= bookmark!).toBe(true);

    const junk = await call(`/v1_1/demo/resources/image/upload/${id}`, { headers: adminHeaders({ [BOOKMARK_HEADER]: 'not a bookmark' }) });
    expect(junk.status).toBe(200);
  });

  it('delivery answers carry no bookmark (they are cached and shared)', async () => {
    const id = uid('sess');
    await storeImage(id, fixture('alpha.png'));
    const res = await call(`/demo/image/upload/${id}.png`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(res.headers.get(BOOKMARK_HEADER)).toBeNull();
  });
});
