// Types of scripts/chromium.mjs for the TypeScript that imports it (test/support/browser.ts).
export interface Machine {
  env: Record<string, string | undefined>;
  platform: string;
  arch: string;
  home: string;
  cacheDir: string;
  exists(path: string): boolean;
  list(dir: string): string[];
}
/** A Chromium to launch: its binary, where it came from, and the environment and flags it needs. */
export interface Found {
  executablePath: string;
  source: string;
  env?: Record<string, string>;
  args?: string[];
}
export const NPM_CHROMIUM: { name: string; version: string };
export const HOW_TO_GET_ONE: string;
export function thisMachine(): Machine;
export function findChromium(m?: Machine): Found | undefined;
