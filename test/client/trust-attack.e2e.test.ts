import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startOwnWorker } from '../support/worker';
import { signedPost } from '../support/upload';
import { DEMO, OTHER } from '../support/clouds';

/**
 * The attack of issue 18, in a real browser: cloud `other` uploads a page that,
 * opened by a signed-in administrator of cloud `demo`, reads the console's CSRF
 * token, asks /console/demo/api/sign for a far-future signature over the
 * victim's public id and destroys it. It must fail at every step it reaches.
 */
const VICTIM = `victim_${Date.now().toString(36)}`;

/** The attacker's script: the whole chain; it reports where it got in the document title. */
const attack = `(async () => {
  const page = await (await fetch('/console/demo', { credentials: 'include' })).text();
  const csrf = (/data-csrf="([0-9a-f]+)"/.exec(page) || [])[1];
  if (!csrf) { document.title = 'attack: no csrf'; return; }
  const res = await fetch('/console/demo/api/sign', { method: 'POST', credentials: 'include',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    body: JSON.stringify({ params: { public_id: '${VICTIM}', timestamp: '9999999999' } }) });
  const signed = await res.json();
  const destroy = await fetch('/v1_1/demo/image/destroy', { method: 'POST', body: new URLSearchParams({ ...signed, public_id: '${VICTIM}' }) });
  document.title = 'attack: destroy ' + destroy.status;
})().catch((e) => { document.title = 'attack: ' + e; });`;

const ATTACK_HTML = `<!doctype html><title>cute cats</title><script>${attack}</script>`;
const ATTACK_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>${attack.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</script><rect width="10" height="10"/></svg>`;

describe('the cross-tenant console takeover of issue 18, in Chromium', { timeout: 180_000 }, () => {
  let worker: Awaited<ReturnType<typeof startOwnWorker>>;
  let browser: Browser;
  let page: Page;
  const victimExists = async () => (await fetch(`${worker.url}/demo/image/upload/${VICTIM}.jpg`, { method: 'HEAD' })).status === 200;

  beforeAll(async () => {
    worker = await startOwnWorker({});
    browser = await launchChromium();
    page = await browser.newPage({ acceptDownloads: true });
    const photo = readFileSync(new URL('../fixtures/photo-1mp.jpg', import.meta.url));
    const up = await signedPost(worker.url, '/v1_1/demo/image/upload', { public_id: VICTIM }, { file: { bytes: photo, name: 'v.jpg' } });
    expect(up.status).toBe(200);
    const other = { secret: OTHER.api_secret, apiKey: OTHER.api_key };
    const html = new TextEncoder().encode(ATTACK_HTML);
    expect(
      (
        await signedPost(
          worker.url,
          '/v1_1/other/raw/upload',
          { public_id: 'cats.html' },
          { ...other, file: { bytes: html, name: 'cats.html' } },
        )
      ).status,
    ).toBe(200);
    const svg = new TextEncoder().encode(ATTACK_SVG);
    expect(
      (
        await signedPost(
          worker.url,
          '/v1_1/other/image/upload',
          { public_id: 'cats' },
          { ...other, file: { bytes: svg, name: 'cats.svg' } },
        )
      ).status,
    ).toBe(200);

    // The victim: an administrator of `demo`, signed in to the console.
    await page.goto(`${worker.url}/console/demo`);
    await page.getByLabel('API key').fill(DEMO.api_key);
    await page.getByLabel('API secret').fill(DEMO.api_secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('h1:has-text("Media Library")');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.dispose();
  });

  it('downloads the uploaded page instead of rendering it, and the victim asset survives', async () => {
    expect(await victimExists()).toBe(true);
    const download = page.waitForEvent('download', { timeout: 10_000 });
    await page.goto(`${worker.url}/other/raw/upload/cats.html`).catch(() => undefined);
    expect((await download).suggestedFilename()).toBe('cats.html');
    await page.waitForTimeout(1500);
    expect(await victimExists()).toBe(true);
  });

  it('renders an uploaded SVG without running its script', async () => {
    const res = await page.goto(`${worker.url}/other/image/upload/cats.svg`);
    expect(res?.status()).toBe(200);
    await page.waitForTimeout(1500);
    expect(await page.title()).not.toMatch(/attack/);
    expect(await victimExists()).toBe(true);
  });

  it('would still fail if such a page ran: the console signs neither a public id nor a browser timestamp', async () => {
    // Run the attacker's script as if it were a page of the origin: in the console's own tab.
    await page.goto(`${worker.url}/console/demo`);
    await page.waitForSelector('h1:has-text("Media Library")');
    await page.evaluate(attack);
    await expect.poll(() => page.title(), { timeout: 10_000 }).toMatch(/attack/);
    expect(await page.title()).not.toBe('attack: destroy 200');
    expect(await victimExists()).toBe(true);
  });
});
