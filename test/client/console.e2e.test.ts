import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshotDir } from '../support/browser';
import { startOwnWorker } from '../support/worker';
import { OTHER, THIRD, basicAuth } from '../support/clouds';
import { fixtureBytes } from '../support/fixtures';
import { signedPost } from '../support/upload';

/**
 * The media library end to end in Chromium against a local worker: sign in,
 * upload, browse, tag, filter, build a transformation, moderate, purge, delete.
 */
const LIB = { cloud_name: 'library', api_key: '666666666666666', api_secret: 'library-secret' };
const shots = screenshotDir('console');

describe('media library in Chromium', { timeout: 240_000 }, () => {
  let worker: Awaited<ReturnType<typeof startOwnWorker>>;
  let browser: Browser;
  let page: Page;
  const adminGet = async (path: string) =>
    (await fetch(`${worker.url}/v1_1/${LIB.cloud_name}/${path}`, { headers: { Authorization: basicAuth(LIB) } })).json() as Promise<
      Record<string, unknown>
    >;
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    worker = await startOwnWorker({ CLOUDS: JSON.stringify([OTHER, THIRD, LIB]) });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.dispose();
  });

  it('refuses wrong credentials and signs in with the right ones, keeping only a session cookie', async () => {
    await page.goto(`${worker.url}/console/${LIB.cloud_name}`);
    await page.getByLabel('API key').fill(LIB.api_key);
    await page.getByLabel('API secret').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong API key or secret');
    await shot('1-signin-refused');
    await page.getByLabel('API key').fill(LIB.api_key);
    await page.getByLabel('API secret').fill(LIB.api_secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('h1:has-text("Media Library")');
    const cookies = await page.context().cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
    expect(cookies[0].value).not.toContain(LIB.api_secret);
    expect(await page.content()).not.toContain(LIB.api_secret);
  });

  it('refuses state changes without the CSRF token or from another origin', async () => {
    const cookie = (await page.context().cookies())[0];
    const headers = { Cookie: `${cookie.name}=${cookie.value}`, 'Content-Type': 'application/json' };
    const noToken = await fetch(`${worker.url}/console/${LIB.cloud_name}/api/sign`, { method: 'POST', headers, body: '{}' });
    expect(noToken.status).toBe(403);
    const token = await page.evaluate(() => document.body.dataset.csrf!);
    const foreign = await fetch(`${worker.url}/console/${LIB.cloud_name}/api/sign`, {
      method: 'POST',
      headers: { ...headers, 'X-CSRF-Token': token, Origin: 'https://evil.example' },
      body: '{}',
    });
    expect(foreign.status).toBe(403);
    const ok = await fetch(`${worker.url}/console/${LIB.cloud_name}/api/sign`, {
      method: 'POST',
      headers: { ...headers, 'X-CSRF-Token': token },
      body: '{}',
    });
    expect(ok.status).toBe(200);
    const anonymous = await fetch(`${worker.url}/console/${LIB.cloud_name}/api/resources`);
    expect(anonymous.status).toBe(401);
  });

  it('uploads two files with progress, browses, tags, filters, transforms, moderates, purges and deletes', async () => {
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByLabel('Folder', { exact: true }).fill('shop');
    await page.locator('#files').setInputFiles([
      { name: 'mountain.jpg', mimeType: 'image/jpeg', buffer: fixtureBytes('photo-1mp.jpg') },
      { name: 'planet.png', mimeType: 'image/png', buffer: fixtureBytes('alpha.png') },
    ]);
    await page.waitForFunction(() => document.querySelectorAll('#uploads li[data-public-id]').length === 2, null, { timeout: 60_000 });
    const progress = await page.$$eval('#uploads progress', (bars) => bars.map((b) => (b as HTMLProgressElement).value));
    expect(progress).toEqual([100, 100]);
    await page.waitForFunction(
      () => [...document.querySelectorAll('#uploads img')].every((i) => (i as HTMLImageElement).naturalWidth > 0),
      null,
      { timeout: 60_000 },
    );
    const ids = await page.$$eval('#uploads li', (lis) => lis.map((li) => li.getAttribute('data-public-id')!));
    expect(ids.every((id) => id.startsWith('shop/'))).toBe(true);
    await shot('2-uploaded');

    // The grid, with folder navigation from the Folders API: an empty folder shows too.
    const created = await fetch(`${worker.url}/v1_1/${LIB.cloud_name}/folders/shop/empty`, {
      method: 'POST',
      headers: { Authorization: basicAuth(LIB) },
    });
    expect(created.status).toBe(200);
    await page.getByRole('button', { name: 'Library' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('#grid li').length === n, 2);
    await page.getByRole('button', { name: 'Open folder shop/' }).click();
    await page.waitForFunction(() => (document.getElementById('prefix') as HTMLInputElement).value === 'shop/');
    await page.waitForFunction((n) => document.querySelectorAll('#grid li').length === n, 2);
    await page.getByRole('button', { name: 'Open folder shop/empty/' }).waitFor();
    expect(await page.$$eval('#folders button', (bs) => bs.map((b) => b.textContent))).toEqual(['All folders', 'shop/empty/']);
    await shot('3-grid');

    // Details and tags.
    const [first, second] = ids;
    await page.locator(`#grid li[data-public-id="${first}"] button`).click();
    await page.waitForFunction((id) => document.querySelector('#d-meta')?.textContent?.includes(id), first);
    await page.getByLabel('Tags (comma separated)').fill('featured, summer');
    await page.getByRole('button', { name: 'Save tags' }).click();
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'Tags saved');
    await shot('4-details');
    expect(((await adminGet(`resources/image/upload/${encodeURIComponent(first)}`)).tags as string[]).sort()).toEqual([
      'featured',
      'summer',
    ]);

    // Filter by the tag.
    await page.getByLabel('Folder / prefix').fill('');
    await page.getByLabel('Tag', { exact: true }).fill('featured');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForFunction((id) => {
      const items = [...document.querySelectorAll('#grid li')].map((li) => li.getAttribute('data-public-id'));
      return items.length === 1 && items[0] === id;
    }, first);
    await shot('5-filtered');

    // Transformation builder and preview.
    await page.getByRole('button', { name: 'Transform' }).click();
    await page.getByLabel('Public id', { exact: true }).fill(first);
    await page.getByLabel('Width', { exact: true }).fill('200');
    await page.getByLabel('Height', { exact: true }).fill('120');
    await page.getByLabel('Crop', { exact: true }).selectOption('fill');
    await page.getByLabel('Format', { exact: true }).selectOption('webp');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForFunction(() => (document.getElementById('tx-img') as HTMLImageElement).naturalWidth > 0, null, { timeout: 60_000 });
    const size = await page.$eval('#tx-img', (i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight]);
    expect(size).toEqual([200, 120]);
    const url = await page.textContent('#tx-url');
    expect(url).toBe(`${worker.url}/${LIB.cloud_name}/image/upload/c_fill,h_120,w_200/${first}.webp`);
    await shot('6-transform');

    // Moderation: approve both, then reject one: it leaves the approved view.
    await page.getByRole('button', { name: 'Library' }).click();
    await page.getByLabel('Tag', { exact: true }).fill('');
    for (const id of [first, second]) {
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.waitForSelector(`#grid li[data-public-id="${id}"]`);
      await page.locator(`#grid li[data-public-id="${id}"] button`).click();
      await page.waitForFunction((x) => document.querySelector('#d-meta')?.textContent?.includes(x), id);
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.waitForFunction(() => document.getElementById('status')!.textContent === 'Approved');
    }
    await page.getByLabel('View', { exact: true }).selectOption('approved');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('#grid li').length === n, 2);
    await page.locator(`#grid li[data-public-id="${second}"] button`).click();
    await page.waitForFunction((x) => document.querySelector('#d-meta')?.textContent?.includes(x), second);
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.waitForFunction(
      (id) => [...document.querySelectorAll('#grid li')].map((li) => li.getAttribute('data-public-id')).join() === id,
      first,
    );
    await shot('7-moderated');

    // Purge the approved asset's cached copies: its next delivery is a miss again.
    const thumbUrl = `${worker.url}/${LIB.cloud_name}/image/upload/c_fill,w_300,h_300/${first}.jpg`;
    await (await fetch(thumbUrl)).arrayBuffer();
    const warmed = await fetch(thumbUrl);
    await warmed.arrayBuffer();
    expect(warmed.headers.get('X-Cache')).toBe('HIT');
    await page.locator(`#grid li[data-public-id="${first}"] button`).click();
    await page.waitForFunction((x) => document.querySelector('#d-meta')?.textContent?.includes(x), first);
    await page.getByRole('button', { name: 'Purge cache' }).click();
    await page.waitForFunction(() => /^Purged [1-9]\d* cached copies$/.test(document.getElementById('status')!.textContent ?? ''));
    const after = await fetch(thumbUrl);
    await after.arrayBuffer();
    expect(after.headers.get('X-Cache')).toBe('MISS');
    const rejected = (await adminGet('resources/image/moderations/manual/rejected')).resources as { public_id: string }[];
    expect(rejected.map((r) => r.public_id)).toEqual([second]);

    // Delete from the details panel.
    page.once('dialog', (d) => d.accept());
    await page.locator(`#grid li[data-public-id="${first}"] button`).click();
    await page.waitForFunction((x) => document.querySelector('#d-meta')?.textContent?.includes(x), first);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForFunction((id) => document.getElementById('status')!.textContent === `Deleted ${id}`, first);
    expect((await fetch(`${worker.url}/${LIB.cloud_name}/image/upload/${first}.jpg`)).status).toBe(404);
    await shot('8-deleted');
  });

  it('works in a narrow (mobile) window', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel('View', { exact: true }).selectOption('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForSelector('#grid li');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('9-mobile');
  });

  it('in the dynamic folder mode, lists asset folders and opens one to show the assets in it', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    const mode = await fetch(`${worker.url}/v1_1/${LIB.cloud_name}/settings`, {
      method: 'PUT',
      headers: { Authorization: basicAuth(LIB), 'Content-Type': 'application/json' },
      body: JSON.stringify({ folder_mode: 'dynamic' }),
    });
    expect(mode.status).toBe(200);
    const up = await signedPost(
      worker.url,
      `/v1_1/${LIB.cloud_name}/image/upload`,
      { public_id: 'loose-id', asset_folder: 'albums/summer' },
      { file: { bytes: fixtureBytes('alpha.png'), name: 'alpha.png' }, secret: LIB.api_secret, apiKey: LIB.api_key },
    );
    expect(up.status).toBe(200);
    await page.getByLabel('Folder / prefix').fill('albums/');
    await page.getByLabel('Tag', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('button', { name: 'Open folder albums/summer/' }).click();
    await page.waitForFunction(() => {
      const items = [...document.querySelectorAll('#grid li')].map((li) => li.getAttribute('data-public-id'));
      return items.length === 1 && items[0] === 'loose-id';
    });
  });
});
