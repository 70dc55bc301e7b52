import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';
import { TEST_VARS } from '../support/clouds';
import { watchRuntimes } from '../support/runtime-watch';
import { spawnRuntimesWithMoreV8Threads } from '../support/v8-threads';

/** The client tests' guard around their shared worker (test/support/runtime-watch.ts, v8-threads.ts), on a worker of its own. */
const isRoot = process.getuid?.() === 0;
const wrangler = createRequire(import.meta.url).resolve('wrangler');
const miniflare = dirname(createRequire(wrangler).resolve('miniflare'));
const threads = (pid: number | undefined, name: string) =>
  readdirSync(`/proc/${pid}/task`).filter((t) => readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim().startsWith(name)).length;

describe('the shared worker guard', async () => {
  spawnRuntimesWithMoreV8Threads();
  const persist = mkdtempSync(join(tmpdir(), 'cld-watch-'));
  const vars = (generation: number) =>
    Object.fromEntries(
      Object.entries({ ...TEST_VARS, GENERATION: String(generation) }).map(([k, v]) => [k, { type: 'plain_text' as const, value: v }]),
    );
  const { started: worker, watch } = await watchRuntimes(
    join(persist, 'down.txt'),
    miniflare,
    () =>
      unstable_startWorker({
        config: 'wrangler.toml',
        bindings: vars(0),
        dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist, logLevel: 'error', watch: false },
      }),
    3_000,
  );
  const url = (await worker.url).origin;
  await worker.ready;
  let generation = 0;
  watch.watch(`${url}/`, async () => {
    await worker.patchConfig({ bindings: vars(++generation) });
  });
  afterAll(async () => {
    watch.stop();
    await worker.dispose();
    rmSync(persist, { recursive: true, force: true });
  });

  it.runIf(isRoot && process.platform === 'linux')('starts the runtimes with more than one V8 background thread', async () => {
    expect((await fetch(`${url}/`)).status).toBe(200);
    const [proxy, runtime] = watch.seen.pids;
    expect(threads(proxy, 'V8 DefaultWorke')).toBeGreaterThan(1);
    expect(threads(runtime, 'V8 DefaultWorke')).toBeGreaterThan(1);
  });

  it('replaces a runtime that stops answering, and the worker answers again at the same address', async () => {
    expect((await fetch(`${url}/`)).status).toBe(200);
    const stuck = watch.seen.pids.at(-1)!;
    // A stopped process answers nothing and keeps its connections, like the runtime V8 locked up.
    process.kill(stuck, 'SIGSTOP');
    const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(60_000) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('cld-worker');
    expect(watch.seen.restarts).toBe(1);
    expect(watch.seen.pids.at(-1)).not.toBe(stuck);
    expect(() => process.kill(stuck, 0)).toThrow();
  });
});
