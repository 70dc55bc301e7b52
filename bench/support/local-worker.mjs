// A local worker for a benchmark, started as `wrangler dev` starts it: bundled from
// wrangler.toml, local R2/KV/D1/Queues in a fresh state directory of its own, on a free
// port of 127.0.0.1. `dispose()` stops it and removes the state.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unstable_startWorker } from 'wrangler';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * @param {string} name @param {Record<string, string>} vars @param {'error' | 'warn'} [logLevel]
 * @param {string} [state] a state directory the caller owns (kept on dispose, so it can be read afterwards)
 */
export async function startLocalWorker(name, vars, logLevel = 'error', state = undefined) {
  process.env.WRANGLER_SEND_METRICS = 'false';
  const persist = state ?? mkdtempSync(join(tmpdir(), `cld-bench-${name}-`));
  const worker = await unstable_startWorker({
    config: join(root, 'wrangler.toml'),
    bindings: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, { type: 'plain_text', value: v }])),
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist, logLevel, watch: false },
  });
  return {
    base: (await worker.url).origin,
    async dispose() {
      await worker.dispose();
      if (!state) rmSync(persist, { recursive: true, force: true });
    },
  };
}
