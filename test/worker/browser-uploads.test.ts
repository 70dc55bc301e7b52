import { SELF, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { uploadPresets } from '../../src/config/collections';
import { basicAuth, CORS, DEMO } from '../support/clouds';
import { signParams } from '../../src/auth/api-signature';

const ALLOWED = 'https://shop.example';
const uploadUrl = `http://w/v1_1/${CORS.cloud_name}/image/upload`;
const GIF = Uint8Array.from(atob('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'), (c) => c.charCodeAt(0));

async function unsignedForm(extra: Record<string, string> = {}) {
  const form = new FormData();
  form.set('upload_preset', 'cors_unsigned');
  for (const [k, v] of Object.entries(extra)) form.set(k, v);
  form.set('file', new Blob([GIF], { type: 'image/gif' }), 'dot.gif');
  return form;
}

describe('CORS and callbacks on the Upload API', () => {
  beforeAll(async () => {
    await uploadPresets(env.CONFIG, CORS.cloud_name).put('cors_unsigned', {
      name: 'cors_unsigned',
      unsigned: true,
      settings: { folder: 'cors' },
    });
    const res = await SELF.fetch(`http://w/v1_1/${CORS.cloud_name}/settings`, {
      method: 'PUT',
      headers: { Authorization: basicAuth(CORS), 'Content-Type': 'application/json' },
      body: JSON.stringify({ allowed_upload_origins: [ALLOWED] }),
    });
    expect(res.status).toBe(200);
  });

  it('answers preflights for allowed origins with the headers the SDKs send', async () => {
    const res = await SELF.fetch(uploadUrl, {
      method: 'OPTIONS',
      headers: {
        Origin: ALLOWED,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-range,x-unique-upload-id',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(ALLOWED);
    expect(res.headers.get('Access-Control-Allow-Headers')).toContain('X-Unique-Upload-Id');
    expect(res.headers.get('Access-Control-Allow-Headers')).toContain('Content-Range');
    expect(res.headers.get('Access-Control-Allow-Headers')).toContain('X-Requested-With');
    const denied = await SELF.fetch(uploadUrl, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('lets an allowed origin upload and exposes the answer', async () => {
    const res = await SELF.fetch(uploadUrl, { method: 'POST', headers: { Origin: ALLOWED }, body: await unsignedForm() });
    expect(res.status).toBe(200);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(ALLOWED);
    expect(res.headers.get('Access-Control-Expose-Headers')).toContain('X-Cld-Error');
    expect(((await res.json()) as { public_id: string }).public_id).toMatch(/^cors\//);
  });

  it('refuses other origins, signed or not, before storing anything', async () => {
    const unsigned = await SELF.fetch(uploadUrl, {
      method: 'POST',
      headers: { Origin: 'https://evil.example' },
      body: await unsignedForm({ public_id: 'evil_unsigned' }),
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('Access-Control-Allow-Origin')).toBeNull();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = await signParams({ public_id: 'evil_signed', timestamp }, CORS.api_secret);
    const form = new FormData();
    for (const [k, v] of Object.entries({ public_id: 'evil_signed', timestamp, signature, api_key: CORS.api_key })) form.set(k, v);
    form.set('file', new Blob([GIF]), 'dot.gif');
    const signed = await SELF.fetch(uploadUrl, { method: 'POST', headers: { Origin: 'https://evil.example' }, body: form });
    expect(signed.status).toBe(401);
    for (const id of ['evil_unsigned', 'cors/evil_unsigned', 'evil_signed']) {
      expect((await SELF.fetch(`http://w/${CORS.cloud_name}/image/upload/${id}.gif`)).status).toBe(404);
    }
  });

  it('lets any origin upload when the list is empty', async () => {
    await uploadPresets(env.CONFIG, DEMO.cloud_name).put('demo_cors_unsigned', {
      name: 'demo_cors_unsigned',
      unsigned: true,
      settings: {},
    });
    const form = await unsignedForm();
    form.set('upload_preset', 'demo_cors_unsigned');
    const res = await SELF.fetch(`http://w/v1_1/${DEMO.cloud_name}/image/upload`, {
      method: 'POST',
      headers: { Origin: 'https://anywhere.example' },
      body: form,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('https://anywhere.example');
  });

  it('never answers cross-origin requests on the Admin API', async () => {
    const pre = await SELF.fetch(`http://w/v1_1/${CORS.cloud_name}/resources/image`, {
      method: 'OPTIONS',
      headers: { Origin: ALLOWED, 'Access-Control-Request-Method': 'GET' },
    });
    expect(pre.status).toBe(403);
    expect(pre.headers.get('Access-Control-Allow-Origin')).toBeNull();
    const res = await SELF.fetch(`http://w/v1_1/${CORS.cloud_name}/settings`, {
      headers: { Origin: ALLOWED, Authorization: basicAuth(CORS) },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
    const sameOrigin = await SELF.fetch(`http://w/v1_1/${CORS.cloud_name}/settings`, {
      headers: { Origin: 'http://w', Authorization: basicAuth(CORS) },
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('redirects form posts to an allowed callback with the result in the query', async () => {
    const res = await SELF.fetch(uploadUrl, {
      method: 'POST',
      body: await unsignedForm({ callback: `${ALLOWED}/cloudinary_cors.html` }),
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const target = new URL(res.headers.get('Location')!);
    expect(target.origin).toBe(ALLOWED);
    expect(target.pathname).toBe('/cloudinary_cors.html');
    expect(target.searchParams.get('public_id')).toMatch(/^cors\//);
    expect(target.searchParams.get('format')).toBe('gif');
    expect(Number(target.searchParams.get('version'))).toBeGreaterThan(0);
  });

  it('never redirects elsewhere: other origins, and clouds that list none, get 400 and store nothing', async () => {
    const evil = await SELF.fetch(uploadUrl, {
      method: 'POST',
      body: await unsignedForm({ callback: 'https://evil.example/x', public_id: 'cb_evil' }),
      redirect: 'manual',
    });
    expect(evil.status).toBe(400);
    expect(((await evil.json()) as { error: { message: string } }).error.message).toContain('not an allowed upload origin');
    expect((await SELF.fetch(`http://w/${CORS.cloud_name}/image/upload/cors/cb_evil.gif`)).status).toBe(404);
    const form = await unsignedForm({ callback: 'https://anywhere.example/cb' });
    form.set('upload_preset', 'demo_cors_unsigned');
    const none = await SELF.fetch(`http://w/v1_1/${DEMO.cloud_name}/image/upload`, { method: 'POST', body: form, redirect: 'manual' });
    expect(none.status).toBe(400);
    const bad = await SELF.fetch(uploadUrl, {
      method: 'POST',
      body: await unsignedForm({ callback: 'javascript:alert(1)' }),
      redirect: 'manual',
    });
    expect(bad.status).toBe(400);
  });

  it('serves the widget script itself', async () => {
    const res = await SELF.fetch('http://w/widget/v1/upload-widget.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toContain('javascript');
    const text = await res.text();
    expect(text).toContain('openUploadWidget');
    const again = await SELF.fetch('http://w/widget/v1/upload-widget.js', { headers: { 'If-None-Match': res.headers.get('ETag')! } });
    expect(again.status).toBe(304);
  });
});
