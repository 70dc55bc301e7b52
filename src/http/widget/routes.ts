import { Hono } from 'hono';
import type { AppEnv } from '../cloud';
import { findCloud } from '../../config/clouds';
import { configFrom } from '../../config/config';
import { uploadPresets } from '../../config/collections';
import { notFound } from '../../errors';
import widgetScript from './upload-widget.client.js';
import demoPage from './demo.client.html';
import { newNonce, pageCsp } from '../page-policy';

/** The demo page's cloud and its unsigned preset (created on first view; dev only). */
const DEMO_CLOUD = 'demo';
const DEMO_PRESET = 'widget_demo';

let scriptEtag: Promise<string> | undefined;
const etagOf = (text: string) =>
  crypto.subtle.digest('SHA-1', new TextEncoder().encode(text)).then((d) =>
    [...new Uint8Array(d)]
      .slice(0, 10)
      .map((b) => b.toString(16).padStart(2, '0'))
      .join(''),
  );

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `/widget/v1/upload-widget.js`: the upload widget, served by the worker itself (no third-party CDN). */
export const widgetRoutes = new Hono<AppEnv>()
  .get('/widget/v1/upload-widget.js', async (c) => {
    scriptEtag ??= etagOf(widgetScript);
    const etag = `"${await scriptEtag}"`;
    const headers = {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=3600',
      'Access-Control-Allow-Origin': '*',
      ETag: etag,
    };
    if (c.req.header('If-None-Match') === etag) return new Response(null, { status: 304, headers });
    return new Response(widgetScript, { headers });
  })
  .get('/widget/demo', async (c) => {
    if (!configFrom(c.env).enableDemoPages || !findCloud(c.env, DEMO_CLOUD)) throw notFound('Not found');
    const presets = uploadPresets(c.env.CONFIG, DEMO_CLOUD);
    if (!(await presets.get(DEMO_PRESET))) {
      await presets.put(DEMO_PRESET, {
        name: DEMO_PRESET,
        unsigned: true,
        settings: { folder: 'widget_demo', tags: 'widget_demo', return_delete_token: '1' },
      });
    }
    const origin = new URL(c.req.url).origin;
    const nonce = newNonce();
    const html = demoPage
      .replace(/__NONCE__/g, nonce)
      .replace(/__CLOUD__/g, escapeHtml(DEMO_CLOUD))
      .replace(/__PRESET__/g, escapeHtml(DEMO_PRESET))
      .replace(/__ORIGIN__/g, escapeHtml(origin));
    return c.html(html, 200, { 'Content-Security-Policy': pageCsp(nonce) });
  });
