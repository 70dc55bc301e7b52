#!/usr/bin/env node
// The Chromium the browser tests (test/client/*.e2e.test.ts) drive with playwright-core.
//
// `findChromium` looks, in order, at CHROMIUM_PATH, the usual system paths,
// Playwright's browser cache and the copy this script may have unpacked
// before. `ensureChromium` (what `npm test` runs first, as
// `node scripts/chromium.mjs`) obtains one when none is found: Debian's
// `chromium` through apt-get when running as root, else the Chromium shipped
// inside the npm package @sparticuz/chromium (Linux x64), fetched with npm
// from the registry and unpacked under node_modules/.cache. When none can be
// had it fails with one line saying how to get one, so a run whose browser
// tests cannot run never reads green. CHROMIUM_OBTAIN=never turns obtaining off.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The npm package whose tarball holds a whole Chromium (built for Linux x64, brotli-compressed). */
export const NPM_CHROMIUM = { name: '@sparticuz/chromium', version: '143.0.4' };

export const HOW_TO_GET_ONE =
  'No Chromium for the browser tests: install one (Debian/Ubuntu: sudo apt-get install chromium), ' +
  'or set CHROMIUM_PATH to a Chrome/Chromium binary, or let npm fetch @sparticuz/chromium (Linux x64; unset CHROMIUM_OBTAIN=never).';

const SYSTEM_PATHS = {
  linux: [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/snap/bin/chromium',
    '/usr/lib/chromium/chromium',
  ],
  darwin: ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
};

/** Executables inside one Playwright browser directory (`chromium-1200`, `chromium_headless_shell-1200`), newest layout first. */
const PLAYWRIGHT_LAYOUTS = [
  'chrome-linux64/chrome',
  'chrome-linux/chrome',
  'chrome-headless-shell-linux64/chrome-headless-shell',
  'chrome-linux/headless_shell',
  'chrome-mac/Chromium.app/Contents/MacOS/Chromium',
  'chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
];

/**
 * Where to look, as plain values, so a test can point the finder at a fake machine.
 * @typedef {{ env: Record<string, string | undefined>, platform: string, arch: string, home: string, cacheDir: string,
 *   exists: (path: string) => boolean, list: (dir: string) => string[] }} Machine
 */

/** @returns {Machine} */
export function thisMachine() {
  return {
    env: process.env,
    platform: process.platform,
    arch: process.arch,
    home: homedir(),
    cacheDir: join(root, 'node_modules', '.cache', 'cld-chromium'),
    exists: existsSync,
    list: (dir) => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    },
  };
}

/**
 * A Chromium to launch: its binary, where it came from, and the environment
 * and flags it needs (the npm package's copy brings its own libraries).
 * @typedef {{ executablePath: string, source: string, env?: Record<string, string>, args?: string[] }} Found
 */

/** @param {Machine} m @returns {Found | undefined} */
export function findChromium(m = thisMachine()) {
  const explicit = m.env.CHROMIUM_PATH;
  if (explicit) {
    if (!m.exists(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} does not exist. ${HOW_TO_GET_ONE}`);
    return { executablePath: explicit, source: 'CHROMIUM_PATH' };
  }
  for (const path of SYSTEM_PATHS[m.platform] ?? []) if (m.exists(path)) return { executablePath: path, source: 'system' };
  for (const path of playwrightCandidates(m)) if (m.exists(path)) return { executablePath: path, source: "Playwright's cache" };
  return unpackedNpmChromium(m);
}

/** @param {Machine} m */
function playwrightCandidates(m) {
  const cache =
    m.env.PLAYWRIGHT_BROWSERS_PATH && m.env.PLAYWRIGHT_BROWSERS_PATH !== '0'
      ? m.env.PLAYWRIGHT_BROWSERS_PATH
      : m.platform === 'darwin'
        ? join(m.home, 'Library', 'Caches', 'ms-playwright')
        : join(m.home, '.cache', 'ms-playwright');
  const revision = (name) => Number(/-(\d+)$/.exec(name)?.[1] ?? 0);
  const dirs = m
    .list(cache)
    .filter((d) => /^chromium(_headless_shell)?-\d+$/.test(d))
    // Newest first; the full browser before the headless shell of the same revision.
    .sort((a, b) => revision(b) - revision(a) || a.length - b.length);
  return dirs.flatMap((d) => PLAYWRIGHT_LAYOUTS.map((layout) => join(cache, d, layout)));
}

/** The copy unpacked from the npm package, if there is one. @param {Machine} m @returns {Found | undefined} */
function unpackedNpmChromium(m) {
  const dir = join(m.cacheDir, NPM_CHROMIUM.version);
  const executablePath = join(dir, 'chromium');
  if (!m.exists(executablePath)) return undefined;
  return {
    executablePath,
    source: `${NPM_CHROMIUM.name}@${NPM_CHROMIUM.version}`,
    // Its own NSS libraries and fonts, for machines that have none; SwiftShader sits beside the binary.
    env: { LD_LIBRARY_PATH: [join(dir, 'lib'), m.env.LD_LIBRARY_PATH].filter(Boolean).join(':'), FONTCONFIG_PATH: dir },
  };
}

/**
 * Ways to obtain a Chromium when none is found, in order; each says whether it applies here and tries.
 * @type {{ name: string, applies: (m: Machine) => boolean, obtain: (m: Machine) => boolean }[]}
 */
export const OBTAIN = [
  {
    name: "Debian's chromium (apt-get, as root)",
    applies: (m) => m.platform === 'linux' && process.getuid?.() === 0 && m.exists('/usr/bin/apt-get'),
    obtain: () => {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
      if (update.status !== 0) return false;
      return spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env }).status === 0;
    },
  },
  {
    name: `${NPM_CHROMIUM.name}@${NPM_CHROMIUM.version} from the npm registry`,
    applies: (m) => m.platform === 'linux' && m.arch === 'x64',
    obtain: (m) => unpackNpmChromium(m.cacheDir),
  },
];

/**
 * `npm pack` the package (the registry's tarball, nothing run from it) and
 * unpack its brotli-compressed Chromium, libraries, SwiftShader and fonts.
 */
export function unpackNpmChromium(cacheDir) {
  const work = mkdtempSync(join(tmpdir(), 'cld-chromium-'));
  try {
    const spec = `${NPM_CHROMIUM.name}@${NPM_CHROMIUM.version}`;
    const pack = spawnSync('npm', ['pack', spec, '--silent'], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const tarball = pack.stdout?.trim().split('\n').pop();
    if (pack.status !== 0 || !tarball) return false;
    if (spawnSync('tar', ['xzf', tarball], { cwd: work, stdio: 'inherit' }).status !== 0) return false;
    const bin = join(work, 'package', 'bin');
    const dir = join(cacheDir, NPM_CHROMIUM.version);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const inflate = (name) => brotliDecompressSync(readFileSync(join(bin, name)));
    for (const archive of ['al2023.tar.br', 'swiftshader.tar.br', 'fonts.tar.br']) {
      const tar = join(work, archive.replace(/\.br$/, ''));
      writeFileSync(tar, inflate(archive));
      if (spawnSync('tar', ['xf', tar, '-C', dir], { stdio: 'inherit' }).status !== 0) return false;
    }
    // The package's fonts.conf names Lambda's directories: ours names the unpacked fonts and the system's.
    const fontDirs = [join(dir, 'fonts'), '/usr/share/fonts', '/usr/local/share/fonts'].map((d) => `  <dir>${d}</dir>`).join('\n');
    writeFileSync(
      join(dir, 'fonts.conf'),
      `<?xml version="1.0"?>\n<fontconfig>\n${fontDirs}\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
    );
    // Written last, under its final name only when whole: its presence says the unpacking is complete.
    writeFileSync(join(dir, 'chromium.partial'), inflate('chromium.br'));
    chmodSync(join(dir, 'chromium.partial'), 0o755);
    renameSync(join(dir, 'chromium.partial'), join(dir, 'chromium'));
    return true;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A Chromium, found or obtained; or an Error whose message is the one line
 * saying how to get one.
 * @param {Machine} m
 * @param {typeof OBTAIN} ways
 * @param {(line: string) => void} say
 * @returns {Found}
 */
export function ensureChromium(m = thisMachine(), ways = OBTAIN, say = (line) => console.log(line)) {
  const found = findChromium(m);
  if (found) return found;
  if (m.env.CHROMIUM_OBTAIN !== 'never') {
    for (const way of ways) {
      if (!way.applies(m)) continue;
      say(`[chromium] none found; obtaining ${way.name} ...`);
      if (way.obtain(m)) {
        const obtained = findChromium(m);
        if (obtained) return obtained;
      }
    }
  }
  throw new Error(HOW_TO_GET_ONE);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const found = ensureChromium();
    console.log(`[chromium] browser tests use ${found.executablePath} (${found.source})`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
