import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { unstable_startWorker } from 'wrangler';
import { TEST_VARS } from '../support/clouds';

/**
 * Starts the worker once for the client-level tests, as `wrangler dev` would:
 * bundled from wrangler.toml, with local R2/KV/D1/Queues in a fresh state
 * directory, listening on a free port of 127.0.0.1.
 */
export default async function setup(project: TestProject) {
  process.env.WRANGLER_SEND_METRICS = 'false';
  const persist = mkdtempSync(join(tmpdir(), 'cld-client-'));
  const worker = await unstable_startWorker({
    config: 'wrangler.toml',
    bindings: Object.fromEntries(Object.entries(TEST_VARS).map(([k, v]) => [k, { type: 'plain_text', value: v }])),
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist, logLevel: 'warn', watch: false },
  });
  const url = await worker.url;
  project.provide('workerUrl', url.origin);
  return async () => {
    await worker.dispose();
    rmSync(persist, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    workerUrl: string;
  }
}
