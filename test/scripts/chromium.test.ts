import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureChromium, findChromium, HOW_TO_GET_ONE, OBTAIN, thisMachine, type Machine } from '../../scripts/chromium.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

const homes: string[] = [];
afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

/** A machine with no browser anywhere: a fresh home, an empty cache, no system Chromium. */
function bareMachine(files: string[] = [], env: Record<string, string> = {}): Machine {
  const home = mkdtempSync(join(tmpdir(), 'cld-bare-'));
  homes.push(home);
  const present = new Set(files);
  return {
    env,
    platform: 'linux',
    arch: 'x64',
    home,
    cacheDir: join(home, 'cache'),
    exists: (p: string) => present.has(p) || (p.startsWith(home) && existsSync(p)),
    list: (dir: string) => (existsSync(dir) ? readdirSync(dir) : []),
  };
}

const touch = (path: string) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
};

describe('finding a Chromium for the browser tests', () => {
  it('takes CHROMIUM_PATH first, and refuses one that does not exist', () => {
    const m = bareMachine(['/opt/my/chrome', '/usr/bin/chromium'], { CHROMIUM_PATH: '/opt/my/chrome' });
    expect(findChromium(m)).toEqual({ executablePath: '/opt/my/chrome', source: 'CHROMIUM_PATH' });
    expect(() => findChromium(bareMachine(['/usr/bin/chromium'], { CHROMIUM_PATH: '/nope/chrome' }))).toThrow(
      'CHROMIUM_PATH=/nope/chrome does not exist',
    );
  });

  it('looks at the usual system paths', () => {
    expect(findChromium(bareMachine(['/usr/bin/google-chrome']))).toEqual({ executablePath: '/usr/bin/google-chrome', source: 'system' });
  });

  it("finds the newest browser in Playwright's cache", () => {
    const m = bareMachine();
    const cache = join(m.home, '.cache', 'ms-playwright');
    touch(join(cache, 'chromium-1100', 'chrome-linux', 'chrome'));
    touch(join(cache, 'chromium-1200', 'chrome-linux64', 'chrome'));
    touch(join(cache, 'ffmpeg-1011', 'ffmpeg-linux'));
    expect(findChromium(m)).toEqual({
      executablePath: join(cache, 'chromium-1200', 'chrome-linux64', 'chrome'),
      source: "Playwright's cache",
    });
    const elsewhere = bareMachine([], {});
    elsewhere.env.PLAYWRIGHT_BROWSERS_PATH = join(elsewhere.home, 'pw');
    touch(join(elsewhere.home, 'pw', 'chromium_headless_shell-1200', 'chrome-headless-shell-linux64', 'chrome-headless-shell'));
    expect(findChromium(elsewhere)?.executablePath).toContain('chrome-headless-shell');
  });

  it('finds nothing on a bare machine, and then fails with the one line saying how to get one', () => {
    const m = bareMachine();
    expect(findChromium(m)).toBeUndefined();
    const said: string[] = [];
    const failing = [{ name: 'a way that fails', applies: () => true, obtain: () => false }];
    expect(() => ensureChromium(m, failing, (l) => said.push(l))).toThrow(HOW_TO_GET_ONE);
    expect(said).toEqual(['[chromium] none found; obtaining a way that fails ...']);
    expect(HOW_TO_GET_ONE.split('\n')).toHaveLength(1);
    const never = bareMachine([], { CHROMIUM_OBTAIN: 'never' });
    const untouched = [{ name: 'x', applies: () => true, obtain: () => expect.unreachable('obtaining is off') }];
    expect(() => ensureChromium(never, untouched, () => undefined)).toThrow(HOW_TO_GET_ONE);
  });

  it('uses what a way of obtaining put in place', () => {
    const m = bareMachine();
    const npmLike = [{ name: 'fake', applies: () => true, obtain: () => (touch(join(m.cacheDir, '143.0.4', 'chromium')), true) }];
    const found = ensureChromium(m, npmLike, () => undefined);
    expect(found.executablePath).toBe(join(m.cacheDir, '143.0.4', 'chromium'));
    expect(found.env?.LD_LIBRARY_PATH).toBe(join(m.cacheDir, '143.0.4', 'lib'));
  });

  it('as a command, exits 1 with one line when the browser it is told to use is missing', () => {
    const r = spawnSync(process.execPath, ['scripts/chromium.mjs'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`CHROMIUM_PATH=/nonexistent/chromium does not exist. ${HOW_TO_GET_ONE}`]);
  });

  // The real thing: the npm registry's package, unpacked once into node_modules/.cache, drives a page.
  it.runIf(process.platform === 'linux' && process.arch === 'x64' && process.env.CHROMIUM_OBTAIN !== 'never')(
    'obtains the Chromium inside the npm package and drives a page with it',
    async () => {
      const machine: Machine = { ...thisMachine(), env: {}, exists: (p: string) => p.includes('/.cache/cld-chromium/') && existsSync(p) };
      const npmWay = OBTAIN.filter((w) => w.name.includes('npm'));
      const found = ensureChromium(machine, npmWay, () => undefined);
      expect(found.source).toBe('@sparticuz/chromium@143.0.4');
      const browser = await chromium.launch({
        executablePath: found.executablePath,
        env: { ...process.env, ...found.env },
        args: ['--headless', '--no-sandbox', '--disable-gpu', ...(found.args ?? [])],
      });
      try {
        const page = await browser.newPage();
        await page.setContent('<p id="x">rendered</p>');
        expect(await page.textContent('#x')).toBe('rendered');
      } finally {
        await browser.close();
      }
    },
    600_000,
  );
});
