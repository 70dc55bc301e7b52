import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unstable_startWorker } from 'wrangler';
import { TEST_VARS } from './clouds';

/**
 * A second local worker with its own variables and its own empty state, for
 * tests that need other limits (short TTLs and timeouts) or settings that
 * must not leak into the shared worker of the other test files.
 */
export async function startOwnWorker(vars: Record<string, string>) {
  process.env.WRANGLER_SEND_METRICS = 'false';
  const persist = mkdtempSync(join(tmpdir(), 'cld-own-'));
  const worker = await unstable_startWorker({
    config: 'wrangler.toml',
    bindings: Object.fromEntries(Object.entries({ ...TEST_VARS, ...vars }).map(([k, v]) => [k, { type: 'plain_text', value: v }])),
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist, logLevel: 'warn', watch: false },
  });
  const url = (await worker.url).origin;
  return {
    url,
    async dispose() {
      await worker.dispose();
      rmSync(persist, { recursive: true, force: true });
    },
  };
}
