import { describe, expect, inject, it } from 'vitest';
import { basicAuth, DEMO, OTHER } from '../support/clouds';

const base = () => inject('workerUrl');
const auth = { Authorization: basicAuth(DEMO) };

async function call(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
  const res = await fetch(`${base()}/v1_1/${path}`, { method, headers: { ...auth, ...init.headers }, body: init.body });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: JSON.parse(text) as { error?: { message: string } } & Record<string, unknown>,
  };
}

describe('Admin API over raw HTTP: authentication', () => {
  const paths = [
    'demo/ping',
    'demo/usage',
    'demo/resources/image',
    'demo/resources/image/upload/sample',
    'demo/tags/image',
    'demo/upload_presets',
    'demo/transformations',
  ];

  it.each(paths)("GET %s without credentials is a 401 with Cloudinary's error JSON", async (path) => {
    const res = await call('GET', path, { headers: { Authorization: '' } });
    expect(res.status).toBe(401);
    expect(res.type).toContain('application/json');
    expect(res.body.error?.message).toBeTypeOf('string');
  });

  it("rejects a wrong secret, a wrong key and another cloud's credentials", async () => {
    const wrongSecret = await call('GET', 'demo/ping', {
      headers: { Authorization: basicAuth({ api_key: DEMO.api_key, api_secret: 'nope' }) },
    });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error?.message).toBe('Invalid api_secret');
    const wrongKey = await call('GET', 'demo/ping', {
      headers: { Authorization: basicAuth({ api_key: '1', api_secret: DEMO.api_secret }) },
    });
    expect(wrongKey.status).toBe(401);
    const other = await call('DELETE', 'demo/resources/image/upload', {
      headers: { Authorization: basicAuth(OTHER), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'all=true',
    });
    expect(other.status).toBe(401);
    const unknownCloud = await call('GET', 'nosuchcloud/ping');
    expect(unknownCloud.status).toBe(401);
  });

  it('checks credentials before parameters', async () => {
    const res = await call('GET', 'demo/resources/nonsense?max_results=abc', { headers: { Authorization: '' } });
    expect(res.status).toBe(401);
  });
});

describe('Admin API over raw HTTP: bad parameters are 400s', () => {
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const cases: [string, string, string, Record<string, string>?, string?][] = [
    ['max_results not a number', 'GET', 'demo/resources/image?max_results=abc'],
    ['max_results too large', 'GET', 'demo/resources/image/upload?max_results=501'],
    ['max_results zero', 'GET', 'demo/tags/image?max_results=0'],
    ['unknown direction', 'GET', 'demo/resources/image?direction=sideways'],
    ['forged cursor', 'GET', 'demo/resources/image?next_cursor=not-a-cursor'],
    ['cursor of the wrong shape', 'GET', `demo/resources/image/upload?prefix=a&next_cursor=${Buffer.from('[1]').toString('base64url')}`],
    ['unknown resource type', 'GET', 'demo/resources/document/upload'],
    ['bad boolean flag', 'GET', 'demo/resources/image?tags=maybe'],
    ['bad start_at', 'GET', 'demo/resources/image?start_at=someday'],
    ['context without key', 'GET', 'demo/resources/image/context'],
    ['delete without a selector', 'DELETE', 'demo/resources/image/upload', form, 'invalidate=true'],
    [
      'too many public ids',
      'DELETE',
      'demo/resources/image/upload',
      form,
      Array.from({ length: 101 }, (_, i) => `public_ids[]=p${i}`).join('&'),
    ],
    ['bad moderation status', 'POST', 'demo/resources/image/upload/sample', form, 'moderation_status=maybe'],
    ['bad face coordinates', 'POST', 'demo/resources/image/upload/sample', form, 'face_coordinates=1,2,x'],
    ['bad access_control', 'POST', 'demo/resources/image/upload/sample', form, 'access_control=%7Bnope'],
    ['broken JSON body', 'POST', 'demo/resources/image/upload/restore', { 'Content-Type': 'application/json' }, '{"public_ids":'],
    ['restore without ids', 'POST', 'demo/resources/image/upload/restore', { 'Content-Type': 'application/json' }, '{}'],
    ['bad preset name', 'POST', 'demo/upload_presets', form, 'name=a%2Fb%20c'],
    ['bad preset flag', 'POST', 'demo/upload_presets', form, 'name=okname&overwrite=perhaps'],
    ['transformation without definition', 'POST', 'demo/transformations', form, 'name=fine'],
    ['transformation name that is a transformation', 'POST', 'demo/transformations', form, 'name=w_100&transformation=w_100'],
    ['transformation lookup of garbage', 'GET', 'demo/transformations?transformation=%25%25'],
    ['unsafe_update of an unnamed transformation', 'PUT', 'demo/transformations', form, 'transformation=w_100&unsafe_update=w_200'],
    ['derived ids missing', 'DELETE', 'demo/derived_resources', form, ''],
    ['usage date', 'GET', 'demo/usage/31-02-2026'],
  ];

  it.each(cases)('%s', async (_name, method, path, headers, body) => {
    const res = await call(method, path, { headers, body });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toBeTypeOf('string');
    expect(res.body.error!.message.length).toBeGreaterThan(5);
  });

  it('an unknown admin path is a 404 with error JSON', async () => {
    const res = await call('GET', 'demo/no_such_endpoint');
    expect(res.status).toBe(404);
    expect(res.body.error?.message).toBeTypeOf('string');
  });

  it('accepts %2F-encoded paths as the Node SDK sends them', async () => {
    const res = await call('GET', 'demo/resources%2Fimage%2Fupload?max_results=1');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.resources)).toBe(true);
  });

  it('accepts JSON bodies (Go) and indexed arrays (Python)', async () => {
    const json = await call('DELETE', 'demo/resources/image/upload', {
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ public_ids: ['json_missing_a', 'json_missing_b'], invalidate: true }),
    });
    expect(json.status).toBe(200);
    expect(json.body.deleted).toEqual({ json_missing_a: 'not_found', json_missing_b: 'not_found' });
    const indexed = await call('GET', 'demo/resources/image/upload?public_ids[0]=py_missing&public_ids[1]=py_missing2');
    expect(indexed.status).toBe(200);
    expect(indexed.body.resources).toEqual([]);
  });
});
