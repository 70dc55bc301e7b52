import { Hono, type Context } from 'hono';
import type { AppEnv } from '../cloud';
import type { Env } from '../../config/env';
import { findCloud, keyOf, type CloudCredentials } from '../../config/clouds';
import { constantTimeEqual } from '../../auth/crypto';
import { signParams } from '../../auth/api-signature';
import { asCldError, badRequest, CldError, notFound, unauthorized } from '../../errors';
import { clearSessionCookie, csrfToken, newSessionCookie, readSession, revokeSession } from './session';
import { parseUploadOptions, signUpload } from './upload-signature';
import { pageCsp, newNonce, SIGN_IN_CSP } from '../page-policy';
import consolePage from './console.client.html';
import consoleScript from './console.client.js';
import signInPage from './signin.client.html';
import { logEvent } from '../../log';
import { getSettings } from '../../config/settings';

/**
 * The media library at `/console/<cloud>`. The page talks only to these
 * routes; they hold the credentials server-side and call the worker's own
 * Admin and Upload APIs, so the secret never reaches the browser.
 */
export type Dispatch = (req: Request, env: Env, ctx: ExecutionContext) => Promise<Response>;
type Ctx = Context<AppEnv>;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
/** A page of the console; `csp` defaults to the sign-in page's (no script). */
const html = (body: string, status = 200, csp = SIGN_IN_CSP) =>
  new Response(body, {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': csp,
      'X-Frame-Options': 'DENY',
    },
  });

function cloudOf(c: Ctx): CloudCredentials {
  const cloud = findCloud(c.env, c.req.param('cloud') ?? '');
  if (!cloud) throw notFound('Unknown cloud');
  return cloud;
}

/** A request from another origin never acts, even with a cookie (SameSite=Strict is the first line). */
function sameOrigin(c: Ctx): boolean {
  const origin = c.req.header('Origin');
  return !origin || origin === new URL(c.req.url).origin;
}

async function requireSession(c: Ctx, cloud: CloudCredentials, stateChanging: boolean) {
  const session = await readSession(c.env.CONFIG, cloud, c.req.header('Cookie'));
  if (!session) throw unauthorized('Not signed in');
  if (stateChanging) {
    if (!sameOrigin(c)) throw new CldError(403, 'Cross-origin request refused');
    const token = c.req.header('X-CSRF-Token') ?? '';
    if (!constantTimeEqual(token, await csrfToken(cloud, session))) throw new CldError(403, 'Invalid CSRF token');
  }
  return session;
}

const json = (data: unknown, status = 200) =>
  new Response(JSON.stringify(data), { status, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' } });

async function body(c: Ctx): Promise<Record<string, unknown>> {
  try {
    const v = await c.req.json();
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw badRequest('Expected a JSON object');
  }
}

const str = (v: unknown, name: string) => {
  if (typeof v !== 'string' || !v) throw badRequest(`Missing ${name}`);
  return v;
};

const enc = (id: string) => encodeURIComponent(id);

export function consoleRoutes(dispatch: Dispatch) {
  /** Calls the worker's own Admin API with the cloud's credentials and passes the answer through. */
  const admin = (
    c: Ctx,
    cloud: CloudCredentials,
    method: string,
    path: string,
    form?: Record<string, string | string[]>,
    jsonBody?: unknown,
  ) => {
    const url = new URL(`/v1_1/${cloud.cloudName}/${path}`, c.req.url);
    const headers: Record<string, string> = { Authorization: 'Basic ' + btoa(`${cloud.apiKey}:${cloud.apiSecret}`) };
    let reqBody: BodyInit | undefined;
    if (jsonBody !== undefined) {
      headers['Content-Type'] = 'application/json';
      reqBody = JSON.stringify(jsonBody);
    } else if (form) {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
      if (method === 'GET') url.search = p.toString();
      else {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        reqBody = p.toString();
      }
    }
    return dispatch(new Request(url, { method, headers, body: reqBody }), c.env, c.executionCtx as ExecutionContext);
  };

  /** Signed Upload API calls made server-side (rename). */
  const signedUploadApi = async (c: Ctx, cloud: CloudCredentials, action: string, fields: Record<string, string>) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const all = { ...fields, timestamp };
    const form = new URLSearchParams({ ...all, api_key: cloud.apiKey, signature: await signParams(all, cloud.apiSecret) });
    return dispatch(
      new Request(new URL(`/v1_1/${cloud.cloudName}/image/${action}`, c.req.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      }),
      c.env,
      c.executionCtx as ExecutionContext,
    );
  };

  return new Hono<AppEnv>()
    .get('/console/:cloud', async (c) => {
      const cloud = cloudOf(c);
      const session = await readSession(c.env.CONFIG, cloud, c.req.header('Cookie'));
      if (!session) return html(signInPage.replace(/__CLOUD__/g, escapeHtml(cloud.cloudName)).replace('__ERROR__', ''));
      const nonce = newNonce();
      return html(
        consolePage
          .replace(/__CLOUD__/g, escapeHtml(cloud.cloudName))
          .replace(/__CSRF__/g, escapeHtml(await csrfToken(cloud, session)))
          .replace(/__API_KEY__/g, escapeHtml(cloud.apiKey))
          .replace(/__NONCE__/g, nonce),
        200,
        pageCsp(nonce),
      );
    })
    .get(
      '/console/:cloud/console.js',
      () => new Response(consoleScript, { headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' } }),
    )
    .post('/console/:cloud/session', async (c) => {
      const cloud = cloudOf(c);
      if (!sameOrigin(c)) return html('Cross-origin sign-in refused', 403);
      const form = await c.req.parseBody();
      const pair = keyOf(cloud, String(form.api_key ?? ''));
      if (!pair || !constantTimeEqual(String(form.api_secret ?? ''), pair.apiSecret)) {
        const page = signInPage
          .replace(/__CLOUD__/g, escapeHtml(cloud.cloudName))
          .replace('__ERROR__', '<p role="alert" class="error">Wrong API key or secret.</p>');
        return html(page, 401);
      }
      return new Response(null, {
        status: 303,
        headers: { Location: `/console/${cloud.cloudName}`, 'Set-Cookie': await newSessionCookie(c.env.CONFIG, cloud) },
      });
    })
    .post('/console/:cloud/logout', async (c) => {
      const cloud = cloudOf(c);
      const session = await requireSession(c, cloud, true);
      await revokeSession(c.env.CONFIG, cloud, session);
      return new Response(null, { status: 204, headers: { 'Set-Cookie': clearSessionCookie(cloud) } });
    })
    .get('/console/:cloud/api/resources', async (c) => {
      const cloud = cloudOf(c);
      await requireSession(c, cloud, false);
      const q = c.req.query();
      const params: Record<string, string> = { max_results: q.max_results ?? '24', tags: 'true', moderations: 'true' };
      if (q.cursor) params.next_cursor = q.cursor;
      let path = 'resources/image/upload';
      if (q.status) path = `resources/image/moderations/manual/${enc(q.status)}`;
      else if (q.tag) path = `resources/image/tags/${enc(q.tag)}`;
      else if (q.prefix && (await getSettings(c.env.CONFIG, cloud.cloudName)).folder_mode === 'dynamic') {
        // Dynamic folders are asset folders, independent of public ids: a folder button lists what is in it.
        path = 'resources/by_asset_folder';
        params.asset_folder = q.prefix.replace(/\/+$/, '');
      } else if (q.prefix) params.prefix = q.prefix;
      return admin(c, cloud, 'GET', path, params);
    })
    .get('/console/:cloud/api/folders', async (c) => {
      const cloud = cloudOf(c);
      await requireSession(c, cloud, false);
      // The folder that holds what the prefix names: `a/b/` and `a/b/x` both list the subfolders of `a/b`.
      const prefix = c.req.query('prefix') ?? '';
      const parent = prefix.slice(0, prefix.lastIndexOf('/') + 1).replace(/\/+$/, '');
      const params: Record<string, string> = { max_results: '100' };
      const cursor = c.req.query('cursor');
      if (cursor) params.next_cursor = cursor;
      return admin(c, cloud, 'GET', parent ? `folders/${parent.split('/').map(enc).join('/')}` : 'folders', params);
    })
    .get('/console/:cloud/api/resource', async (c) => {
      const cloud = cloudOf(c);
      await requireSession(c, cloud, false);
      const id = str(c.req.query('public_id'), 'public_id');
      return admin(c, cloud, 'GET', `resources/image/upload/${enc(id)}`, { versions: 'true' });
    })
    .get('/console/:cloud/api/tags', async (c) => {
      const cloud = cloudOf(c);
      await requireSession(c, cloud, false);
      return admin(c, cloud, 'GET', 'tags/image', { max_results: '100' });
    })
    .post('/console/:cloud/api/sign', async (c) => {
      const cloud = cloudOf(c);
      await requireSession(c, cloud, true);
      const b = await body(c);
      return json(await signUpload(cloud, parseUploadOptions(b.params)));
    })
    .post('/console/:cloud/api/tags', async (c) => {
      const cloud = cloudOf(c);
      await requireSession(c, cloud, true);
      const b = await body(c);
      const tags = Array.isArray(b.tags) ? b.tags.filter((t): t is string => typeof t === 'string' && !!t.trim()).map((t) => t.trim()) : [];
      return admin(c, cloud, 'POST', `resources/image/upload/${enc(str(b.public_id, 'public_id'))}`, { tags: tags.join(',') });
    })
    .post('/console/:cloud/api/moderation', async (c) => {
      const cloud = cloudOf(c);
      await requireSession(c, cloud, true);
      const b = await body(c);
      return admin(c, cloud, 'POST', `resources/image/upload/${enc(str(b.public_id, 'public_id'))}`, {
        moderation_status: str(b.status, 'status'),
      });
    })
    .post('/console/:cloud/api/delete', async (c) => {
      const cloud = cloudOf(c);
      await requireSession(c, cloud, true);
      const b = await body(c);
      return admin(c, cloud, 'DELETE', 'resources/image/upload', { 'public_ids[]': [str(b.public_id, 'public_id')], invalidate: 'true' });
    })
    .post('/console/:cloud/api/restore', async (c) => {
      const cloud = cloudOf(c);
      await requireSession(c, cloud, true);
      const b = await body(c);
      const versions = typeof b.version_id === 'string' ? [b.version_id] : undefined;
      return admin(c, cloud, 'POST', 'resources/image/upload/restore', undefined, {
        public_ids: [str(b.public_id, 'public_id')],
        ...(versions ? { versions } : {}),
      });
    })
    .post('/console/:cloud/api/purge', async (c) => {
      const cloud = cloudOf(c);
      await requireSession(c, cloud, true);
      const b = await body(c);
      return admin(c, cloud, 'POST', 'purge', undefined, { public_ids: [str(b.public_id, 'public_id')] });
    })
    .post('/console/:cloud/api/rename', async (c) => {
      const cloud = cloudOf(c);
      await requireSession(c, cloud, true);
      const b = await body(c);
      return signedUploadApi(c, cloud, 'rename', {
        from_public_id: str(b.from, 'from'),
        to_public_id: str(b.to, 'to'),
        invalidate: 'true',
      });
    })
    .onError((err, c) => {
      const e = asCldError(err);
      if (e.status >= 500) logEvent('error', 'console error', { error: err });
      return c.req.path.includes('/api/') || c.req.method !== 'GET'
        ? json({ error: { message: e.message } }, e.status)
        : html(escapeHtml(e.message), e.status);
    });
}
