import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshotDir } from '../support/browser';
import { startOwnWorker } from '../support/worker';
import { DEMO, OTHER, THIRD, basicAuth } from '../support/clouds';
import { fixtureBytes } from '../support/fixtures';

/**
 * The upload widget end to end: a page on one local origin loads the widget
 * from the worker on another and uploads through the real Upload API.
 */
const BROWSER = { cloud_name: 'browsercloud', api_key: '444444444444444', api_secret: 'browser-secret' };
const shots = screenshotDir('widget');

function pageServer(workerUrl: string): Promise<{ server: Server; origin: string }> {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Widget test page</title></head><body>
<h1>Host page</h1><div id="mount"></div>
<script src="${workerUrl}/widget/v1/upload-widget.js"></script>
<script>
  window.events = [];
  window.startWidget = function (options) {
    var opts = Object.assign({ apiBase: '${workerUrl}', cloudName: '${BROWSER.cloud_name}' }, options);
    if (opts.signed) {
      opts.apiKey = '${BROWSER.api_key}';
      opts.uploadSignature = function (cb, params) {
        fetch('/sign', { method: 'POST', body: JSON.stringify(params) }).then(function (r) { return r.text(); }).then(cb);
      };
    }
    window.widget = cloudinary.openUploadWidget(opts, function (error, result) {
      window.events.push(error ? { event: 'error', info: error } : result);
    });
  };
</script></body></html>`;
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/sign') {
        // The page's own server signs, holding the secret: the browser never sees it.
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const params = JSON.parse(body) as Record<string, string>;
          const toSign = Object.keys(params)
            .sort()
            .filter((k) => params[k] !== '')
            .map((k) => `${k}=${params[k]}`)
            .join('&');
          res.end(
            createHash('sha1')
              .update(toSign + BROWSER.api_secret)
              .digest('hex'),
          );
        });
        return;
      }
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(html);
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

describe('upload widget in Chromium', { timeout: 180_000 }, () => {
  let worker: Awaited<ReturnType<typeof startOwnWorker>>;
  let page1: { server: Server; origin: string };
  let page2: { server: Server; origin: string };
  let browser: Browser;
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${worker.url}/v1_1/${BROWSER.cloud_name}/${path}`, {
      ...init,
      headers: { Authorization: basicAuth(BROWSER), ...(init.headers ?? {}) },
    });

  beforeAll(async () => {
    worker = await startOwnWorker({ CLOUDS: JSON.stringify([OTHER, THIRD, BROWSER]) });
    page1 = await pageServer(worker.url);
    page2 = await pageServer(worker.url);
    // page1's origin may upload; page2's origin is not listed.
    const settings = await admin('settings', { method: 'PUT', body: JSON.stringify({ allowed_upload_origins: [page1.origin] }) });
    expect(settings.status).toBe(200);
    const preset = await admin('upload_presets', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        name: 'widget_unsigned',
        unsigned: 'true',
        return_delete_token: 'true',
        folder: 'widget',
        tags: 'from_widget',
      }),
    });
    expect(preset.status).toBe(200);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    page1?.server.close();
    page2?.server.close();
    await worker?.dispose();
  });

  const events = (page: Page) =>
    page.evaluate(() => (window as unknown as { events: { event: string; info: Record<string, unknown> }[] }).events);
  async function waitForEvents(page: Page, kind: string, count: number) {
    await page.waitForFunction(
      ([k, n]) =>
        (window as unknown as { events: { event: string }[] }).events.filter((e) => e.event === k || e.event === 'error').length >=
        (n as number),
      [kind, count],
      { timeout: 60_000 },
    );
    return (await events(page)).filter((e) => e.event === kind);
  }

  it('uploads two fixtures unsigned with progress, shows thumbnails, and removes one by delete token', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(page1.origin);
    await page.evaluate(() =>
      (window as unknown as { startWidget: (o: unknown) => void }).startWidget({ uploadPreset: 'widget_unsigned' }),
    );
    const dialog = page.getByRole('dialog', { name: 'Upload files' });
    await expect(dialog.isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(shots, '1-open.png') });
    await page.setInputFiles('input[type=file]', [
      { name: 'one.jpg', mimeType: 'image/jpeg', buffer: fixtureBytes('photo-1mp.jpg') },
      { name: 'two.png', mimeType: 'image/png', buffer: fixtureBytes('alpha.png') },
    ]);
    const successes = await waitForEvents(page, 'success', 2);
    expect((await events(page)).filter((e) => e.event === 'error')).toEqual([]);
    expect(successes).toHaveLength(2);
    const progress = (await events(page)).filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const s of successes) {
      expect(s.info.public_id).toMatch(/^widget\//);
      expect(s.info.tags).toEqual(['from_widget']);
      expect(typeof s.info.delete_token).toBe('string');
    }
    // Thumbnails come from delivery URLs and load.
    await page.waitForFunction(
      () => [...document.querySelectorAll('.cldw li img')].every((i) => (i as HTMLImageElement).naturalWidth > 0),
      null,
      { timeout: 60_000 },
    );
    await page.screenshot({ path: join(shots, '2-uploaded.png') });

    const first = successes[0].info as { public_id: string; secure_url: string };
    expect((await fetch(first.secure_url)).status).toBe(200);
    await page.locator(`li[data-public-id="${first.public_id}"] .cldw-remove`).click();
    await waitForEvents(page, 'delete', 1);
    await page.screenshot({ path: join(shots, '3-removed.png') });
    expect((await fetch(first.secure_url)).status).toBe(404);
    const second = successes[1].info as { secure_url: string };
    expect((await fetch(second.secure_url)).status).toBe(200);

    // The dialog closes with Escape and hands focus back.
    await page.keyboard.press('Escape');
    await waitForEvents(page, 'close', 1);
    await page.close();
  });

  it("uploads signed, with the signature made by the page's own server", async () => {
    const page = await browser.newPage();
    await page.goto(page1.origin);
    await page.evaluate(() =>
      (window as unknown as { startWidget: (o: unknown) => void }).startWidget({ signed: true, folder: 'signed_widget' }),
    );
    await page.setInputFiles('input[type=file]', [{ name: 'signed.gif', mimeType: 'image/gif', buffer: fixtureBytes('static.gif') }]);
    const [ok] = await waitForEvents(page, 'success', 1);
    expect(ok.info.public_id).toMatch(/^signed_widget\//);
    expect(ok.info.format).toBe('gif');
    await page.close();
  });

  it('sends a large file in chunks and the assembled asset is byte for byte the file', async () => {
    const page = await browser.newPage();
    await page.goto(page1.origin);
    const size = 12 * 1024 * 1024 + 12345;
    const big = Buffer.alloc(size);
    for (let i = 0; i < size; i++) big[i] = (i * 31 + (i >> 10)) & 0xff;
    const requests: string[] = [];
    page.on('request', (r) => {
      const range = r.headers()['content-range'];
      if (range) requests.push(range);
    });
    await page.evaluate(() =>
      (window as unknown as { startWidget: (o: unknown) => void }).startWidget({
        signed: true,
        resourceType: 'raw',
        chunkSize: 5 * 1024 * 1024,
      }),
    );
    await page.setInputFiles('input[type=file]', [{ name: 'big.bin', mimeType: 'application/octet-stream', buffer: big }]);
    const [ok] = await waitForEvents(page, 'success', 1);
    expect(requests).toEqual([
      `bytes 0-${5 * 1024 * 1024 - 1}/-1`,
      `bytes ${5 * 1024 * 1024}-${10 * 1024 * 1024 - 1}/-1`,
      `bytes ${10 * 1024 * 1024}-${size - 1}/${size}`,
    ]);
    expect(ok.info.bytes).toBe(size);
    const res = await fetch(ok.info.secure_url as string);
    expect(Buffer.from(await res.arrayBuffer()).equals(big)).toBe(true);
    await page.close();
  });

  it('refuses an origin that allowed_upload_origins excludes', async () => {
    const page = await browser.newPage();
    await page.goto(page2.origin);
    await page.evaluate(() =>
      (window as unknown as { startWidget: (o: unknown) => void }).startWidget({ uploadPreset: 'widget_unsigned', folder: 'refused' }),
    );
    await page.setInputFiles('input[type=file]', [{ name: 'no.jpg', mimeType: 'image/jpeg', buffer: fixtureBytes('photo-1mp.jpg') }]);
    await page.waitForFunction(() => (window as unknown as { events: { event: string }[] }).events.some((e) => e.event === 'error'), null, {
      timeout: 30_000,
    });
    expect((await events(page)).some((e) => e.event === 'success')).toBe(false);
    await page.screenshot({ path: join(shots, '4-refused.png') });
    const listed = (await (await admin('resources/image/upload?prefix=refused')).json()) as { resources: unknown[] };
    expect(listed.resources).toEqual([]);
    await page.close();
  });

  it('serves the demo page only when ENABLE_DEMO_PAGES is true', async () => {
    const demo = await fetch(`${worker.url}/widget/demo`);
    expect(demo.status).toBe(200);
    expect(await demo.text()).toContain('/widget/v1/upload-widget.js');
    const off = await startOwnWorker({ ENABLE_DEMO_PAGES: 'false' });
    try {
      expect((await fetch(`${off.url}/widget/demo`)).status).toBe(404);
    } finally {
      await off.dispose();
    }
    expect(DEMO.cloud_name).toBe('demo');
  });
});
