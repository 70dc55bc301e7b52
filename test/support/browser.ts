import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { findChromium, HOW_TO_GET_ONE } from '../../scripts/chromium.mjs';

/**
 * A headless Chromium, with the flags this machine's closed network needs. It
 * is the one `npm test` found or obtained first (scripts/chromium.mjs); when
 * there is none, launching fails with the line saying how to get one, and the
 * browser tests count as failed, never as skipped.
 */
export async function launchChromium(): Promise<Browser> {
  const found = findChromium();
  if (!found) throw new Error(HOW_TO_GET_ONE);
  return chromium.launch({
    executablePath: found.executablePath,
    env: { ...process.env, ...found.env },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(found.args ?? []),
    ],
  });
}

/** Where end-to-end tests leave screenshots for a reviewer (ignored by git). */
export function screenshotDir(suite: string): string {
  const dir = join(process.cwd(), 'test-output', 'screenshots', suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}
