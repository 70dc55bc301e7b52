import { SELF, createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { signParams } from '../../src/auth/api-signature';
import { DEMO, OTHER, basicAuth } from '../support/clouds';
import { app } from '../../src/http/app';
import { applyContentSafety } from '../../src/protocol/content-safety';
import { uniq } from '../support/worker-assets';
import { fixture } from './support/fixtures';

/**
 * User bytes never run as a page of the worker's origin (issue 18, critical):
 * nosniff on every answer, a sandbox CSP on everything but raster images,
 * documents as downloads, and a console that signs only uploads at its own time.
 */
type Cloud = { cloud_name: string; api_key: string; api_secret: string };

async function signedUpload(cloud: Cloud, resourceType: string, publicId: string, bytes: Uint8Array, filename: string) {
  const fields = { public_id: publicId, timestamp: String(Math.floor(Date.now() / 1000)) };
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('api_key', cloud.api_key);
  form.set('signature', await signParams(fields, cloud.api_secret));
  form.set('file', new Blob([bytes]), filename);
  const res = await SELF.fetch(`http://w/v1_1/${cloud.cloud_name}/${resourceType}/upload`, { method: 'POST', body: form });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { public_id: string; version: number; secure_url: string };
}

const text = (s: string) => new TextEncoder().encode(s);
const ATTACK_PAGE = `<!doctype html><script>fetch('/console/demo').then(r => r.text()).then(t => parent.postMessage(t, '*'))</script>`;
const XHTML = `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><script>alert(document.domain)</script></body></html>`;

async function signIn(cloud: Cloud): Promise<{ cookie: string; csrf: string }> {
  const res = await SELF.fetch(`http://w/console/${cloud.cloud_name}/session`, {
    method: 'POST',
    body: new URLSearchParams({ api_key: cloud.api_key, api_secret: cloud.api_secret }),
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('Set-Cookie')!.split(';')[0];
  const page = await (await SELF.fetch(`http://w/console/${cloud.cloud_name}`, { headers: { Cookie: cookie } })).text();
  const csrf = /data-csrf="([0-9a-f]+)"/.exec(page)![1];
  return { cookie, csrf };
}

const consoleApi = (cloud: Cloud, session: { cookie: string; csrf: string }, path: string, body: unknown) =>
  SELF.fetch(`http://w/console/${cloud.cloud_name}/api/${path}`, {
    method: 'POST',
    headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrf, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('content-safety rules by type', () => {
  const safety = (type: string, extra: Record<string, string> = {}) => {
    const h = applyContentSafety(new Headers({ 'Content-Type': type, ...extra }));
    return { csp: h.get('Content-Security-Policy'), disposition: h.get('Content-Disposition'), nosniff: h.get('X-Content-Type-Options') };
  };
  it.each([
    ['text/html; charset=utf-8', true, true],
    ['TEXT/HTML', true, true],
    ['application/xhtml+xml', true, true],
    ['application/xml', true, true],
    ['text/xml', true, true],
    ['application/rss+xml', true, true],
    ['application/mathml+xml', true, true],
    ['image/svg+xml', true, false],
    ['text/javascript', true, false],
    ['text/css', true, false],
    ['application/json', true, false],
    ['application/pdf', true, false],
    ['application/octet-stream', true, false],
    ['', true, false],
    ['image/jpeg', false, false],
    ['image/png', false, false],
    ['image/avif', false, false],
    ['image/webp', false, false],
  ])('%s: sandboxed %s, download %s', (type, sandboxed, download) => {
    const s = safety(type);
    expect(s.nosniff).toBe('nosniff');
    expect(s.csp?.startsWith('sandbox;') ?? false).toBe(sandboxed);
    expect(s.disposition === 'attachment').toBe(download);
  });
  it('keeps an attachment name, and the worker’s own pages keep their CSP and stay pages', () => {
    expect(safety('text/html', { 'Content-Disposition': 'attachment; filename="a.html"' }).disposition).toBe(
      'attachment; filename="a.html"',
    );
    expect(safety('text/html', { 'Content-Disposition': 'inline' }).disposition).toBe('attachment');
    const own = safety('text/html', { 'Content-Security-Policy': "default-src 'none'" });
    expect(own).toEqual({ csp: "default-src 'none'", disposition: null, nosniff: 'nosniff' });
  });
});

describe('delivered user bytes cannot act as a page of the origin', () => {
  it('serves HTML, XHTML and XML as sandboxed downloads with nosniff', async () => {
    const base = uniq('doc');
    const cases = [
      { name: `${base}.html`, bytes: text(ATTACK_PAGE), type: 'text/html' },
      { name: `${base}.xml`, bytes: text(XHTML), type: 'application/xml' },
      { name: `${base}.xhtml`, bytes: text(XHTML), type: null },
    ];
    for (const c of cases) {
      const up = await signedUpload(OTHER, 'raw', c.name, c.bytes, c.name);
      const res = await SELF.fetch(new URL(new URL(up.secure_url).pathname, 'http://w').toString());
      expect(res.status, c.name).toBe(200);
      if (c.type) expect(res.headers.get('Content-Type'), c.name).toContain(c.type);
      expect(res.headers.get('X-Content-Type-Options'), c.name).toBe('nosniff');
      const csp = res.headers.get('Content-Security-Policy') ?? '';
      expect(csp, c.name).toMatch(/(^|;\s*)sandbox(;|$)/);
      expect(csp, c.name).not.toContain('allow-same-origin');
      expect(csp, c.name).not.toContain('allow-scripts');
      if (c.type) expect(res.headers.get('Content-Disposition'), c.name).toMatch(/^attachment/);
      expect(new Uint8Array(await res.arrayBuffer()), c.name).toEqual(c.bytes);
    }
  });

  it('keeps scripts and stylesheets as their types, sandboxed and nosniff, not downloads', async () => {
    const base = uniq('asset');
    for (const [ext, type] of [
      ['js', 'text/javascript'],
      ['css', 'text/css'],
    ]) {
      const up = await signedUpload(OTHER, 'raw', `${base}.${ext}`, text(ext === 'js' ? 'window.x = 1;' : 'body{color:red}'), `a.${ext}`);
      const res = await SELF.fetch(new URL(new URL(up.secure_url).pathname, 'http://w').toString());
      await res.arrayBuffer();
      expect(res.headers.get('Content-Type')).toContain(type);
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(res.headers.get('Content-Security-Policy')).toMatch(/(^|;\s*)sandbox(;|$)/);
      expect(res.headers.get('Content-Disposition')).toBeNull();
    }
  });

  it('sandboxes SVG (original and served through the edge cache) but leaves raster images without a CSP', async () => {
    const id = uniq('svg');
    const svg = fixture('vector.svg');
    await signedUpload(OTHER, 'image', id, svg, 'x.svg');
    for (let i = 0; i < 2; i++) {
      const res = await SELF.fetch(`http://w/other/image/upload/${id}.svg`);
      await res.arrayBuffer();
      expect(res.headers.get('Content-Type')).toBe('image/svg+xml');
      expect(res.headers.get('Content-Security-Policy')).toMatch(/(^|;\s*)sandbox(;|$)/);
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(res.headers.get('Content-Disposition')).toBeNull();
    }
    const jpg = uniq('jpg');
    await signedUpload(OTHER, 'image', jpg, fixture('photo-1mp.jpg'), 'p.jpg');
    for (const path of [`${jpg}.jpg`, `w_40/${jpg}.jpg`]) {
      const res = await SELF.fetch(`http://w/other/image/upload/${path}`);
      await res.arrayBuffer();
      expect(res.headers.get('Content-Type'), path).toBe('image/jpeg');
      expect(res.headers.get('X-Content-Type-Options'), path).toBe('nosniff');
      expect(res.headers.get('Content-Security-Policy'), path).toBeNull();
    }
  });

  it('puts nosniff and a sandbox CSP on API answers, errors and the widget script', async () => {
    const answers = [
      await SELF.fetch(`http://w/v1_1/${DEMO.cloud_name}/ping`),
      await SELF.fetch(`http://w/v1_1/${DEMO.cloud_name}/image/upload`, { method: 'POST', body: new FormData() }),
      await SELF.fetch(`http://w/demo/image/upload/${uniq('missing')}.jpg`),
      await SELF.fetch('http://w/widget/v1/upload-widget.js'),
      await SELF.fetch('http://w/'),
    ];
    for (const res of answers) {
      await res.arrayBuffer();
      expect(res.headers.get('X-Content-Type-Options'), res.url).toBe('nosniff');
      expect(res.headers.get('Content-Security-Policy'), res.url).toMatch(/(^|;\s*)sandbox(;|$)/);
    }
  });
});

describe('the console of one cloud is out of reach of another cloud’s uploads', () => {
  it('gives its page a CSP that runs only its own nonce-tagged script, never whatever the origin serves', async () => {
    const session = await signIn(DEMO);
    const res = await SELF.fetch(`http://w/console/${DEMO.cloud_name}`, { headers: { Cookie: session.cookie } });
    const page = await res.text();
    const csp = res.headers.get('Content-Security-Policy')!;
    const nonce = /script-src 'nonce-([0-9a-f]+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(page).toContain(`<script nonce="${nonce}" src="/console/${DEMO.cloud_name}/console.js">`);
    expect(csp).not.toMatch(/script-src[^;]*'self'/);
    expect(csp).not.toContain('sandbox');
    expect(csp).toContain("default-src 'none'");
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
  });

  it('signs only folder and tags at the server’s time: no browser timestamp, no public_id (the attack’s destroy)', async () => {
    const victim = uniq('victim');
    await signedUpload(DEMO, 'image', victim, fixture('photo-1mp.jpg'), 'v.jpg');
    const session = await signIn(DEMO);

    // The attack: a far-future timestamp and the victim's public id, then a destroy with that signature.
    const forged = await consoleApi(DEMO, session, 'sign', { params: { timestamp: '9999999999', public_id: victim } });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: { message: string } }).error.message).toMatch(/not signed/);
    const withId = await consoleApi(DEMO, session, 'sign', { params: { public_id: victim } });
    expect(withId.status).toBe(400);
    await withId.arrayBuffer();

    const ok = await consoleApi(DEMO, session, 'sign', { params: { folder: 'f', tags: 'a,b' } });
    expect(ok.status).toBe(200);
    const signed = (await ok.json()) as Record<string, string>;
    expect(Object.keys(signed).sort()).toEqual(['api_key', 'folder', 'signature', 'tags', 'timestamp']);
    expect(Math.abs(Number(signed.timestamp) - Date.now() / 1000)).toBeLessThan(60);

    // Whatever it signed cannot destroy: destroy needs public_id in the signature.
    const destroy = await SELF.fetch(`http://w/v1_1/${DEMO.cloud_name}/image/destroy`, {
      method: 'POST',
      body: new URLSearchParams({ ...signed, public_id: victim }),
    });
    expect(destroy.status).toBe(401);
    await destroy.arrayBuffer();
    const still = await SELF.fetch(`http://w/demo/image/upload/${victim}.jpg`, { method: 'HEAD' });
    expect(still.status).toBe(200);
  });

  it('revokes a session at sign-out: a copied cookie stops working', async () => {
    const session = await signIn(DEMO);
    const copy = session.cookie;
    const before = await SELF.fetch(`http://w/console/${DEMO.cloud_name}/api/tags`, { headers: { Cookie: copy } });
    expect(before.status).toBe(200);
    await before.arrayBuffer();
    const out = await SELF.fetch(`http://w/console/${DEMO.cloud_name}/logout`, {
      method: 'POST',
      headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrf },
    });
    expect(out.status).toBe(204);
    const after = await SELF.fetch(`http://w/console/${DEMO.cloud_name}/api/tags`, { headers: { Cookie: copy } });
    expect(after.status).toBe(401);
    await after.arrayBuffer();
    const page = await (await SELF.fetch(`http://w/console/${DEMO.cloud_name}`, { headers: { Cookie: copy } })).text();
    expect(page).toContain('Sign in');
  });
});

describe('CONSOLE_HOST: the console on a host of its own', () => {
  const withHost = { ...env, CONSOLE_HOST: 'admin.example.test' };
  const call = async (url: string, init?: RequestInit) => {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(url, init), withHost, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };

  it('answers /console only on that host, and serves only raster images besides the APIs there', async () => {
    const other = await call(`http://media.example.test/console/${DEMO.cloud_name}`);
    expect(other.status).toBe(404);
    await other.arrayBuffer();
    const own = await call(`http://admin.example.test/console/${DEMO.cloud_name}`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('Sign in');

    const page = uniq('page');
    const photo = uniq('photo');
    await signedUpload(OTHER, 'raw', `${page}.html`, text(ATTACK_PAGE), 'a.html');
    await signedUpload(DEMO, 'image', photo, fixture('photo-1mp.jpg'), 'p.jpg');
    const html = await call(`http://admin.example.test/other/raw/upload/${page}.html`);
    expect(html.status).toBe(404);
    await html.arrayBuffer();
    const elsewhere = await call(`http://media.example.test/other/raw/upload/${page}.html`);
    expect(elsewhere.status).toBe(200);
    await elsewhere.arrayBuffer();
    const thumb = await call(`http://admin.example.test/demo/image/upload/c_fill,w_30,h_30/${photo}.jpg`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('Content-Type')).toBe('image/jpeg');
    await thumb.arrayBuffer();
    const ping = await call(`http://admin.example.test/v1_1/${DEMO.cloud_name}/ping`, { headers: { Authorization: basicAuth(DEMO) } });
    expect(ping.status).toBe(200);
    await ping.arrayBuffer();
  });
});
