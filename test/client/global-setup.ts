import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { unstable_startWorker } from 'wrangler';
import { TEST_VARS } from '../support/clouds';
import { watchRuntimes } from '../support/runtime-watch';

/**
 * Starts the worker once for the client-level tests, as `wrangler dev` would:
 * bundled from wrangler.toml, with local R2/KV/D1/Queues in a fresh state
 * directory, listening on a free port of 127.0.0.1. Its runtime is watched
 * and replaced if it stops answering (../support/runtime-watch.ts says why).
 */
export default async function setup(project: TestProject) {
  process.env.WRANGLER_SEND_METRICS = 'false';
  const persist = mkdtempSync(join(tmpdir(), 'cld-client-'));
  const statusFile = join(persist, 'worker-down.txt');
  const bindings = (generation: number) =>
    Object.fromEntries(
      Object.entries({ ...TEST_VARS, TEST_RUNTIME_GENERATION: String(generation) }).map(([k, v]) => [
        k,
        { type: 'plain_text' as const, value: v },
      ]),
    );
  const wrangler = createRequire(import.meta.url).resolve('wrangler');
  const miniflare = dirname(createRequire(wrangler).resolve('miniflare'));
  const { started: worker, watch } = await watchRuntimes(statusFile, miniflare, () =>
    unstable_startWorker({
      config: 'wrangler.toml',
      bindings: bindings(0),
      dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist, logLevel: 'warn', watch: false },
    }),
  );
  const url = await worker.url;
  // A changed variable is what makes wrangler start a new runtime behind the same proxy address.
  let generation = 0;
  watch.watch(`${url.origin}/`, async () => {
    await worker.patchConfig({ bindings: bindings(++generation) });
  });
  project.provide('workerUrl', url.origin);
  project.provide('workerStatusFile', statusFile);
  return async () => {
    watch.stop();
    await worker.dispose();
    rmSync(persist, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    workerUrl: string;
    workerStatusFile: string;
  }
}
