import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';
import { TEST_VARS } from '../support/clouds';
import { watchRuntimes } from '../support/runtime-watch';
import { startRuntimesWithTestFlags } from '../support/runtime-flags';
import { withV8Flags } from '../support/workerd-config';
import { onWorkerdSpawn, rewriteConfig } from '../support/workerd-spawns';

/** The client tests' guard around their shared worker (test/support/runtime-watch.ts, runtime-flags.ts), on a worker of its own. */
const wrangler = createRequire(import.meta.url).resolve('wrangler');
const miniflare = dirname(createRequire(wrangler).resolve('miniflare'));

describe('the shared worker guard', async () => {
  startRuntimesWithTestFlags();
  // What miniflare writes to the runtime's standard input (before the flags go in), kept to hand to workerd again below.
  const configs: { command: string; bytes: Uint8Array }[] = [];
  const unlisten = onWorkerdSpawn((proc, command) =>
    rewriteConfig(proc, (config) => {
      configs.push({ command, bytes: Uint8Array.from(config) });
      return config;
    }),
  );

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
    unlisten();
    await worker.dispose();
    rmSync(persist, { recursive: true, force: true });
  });

  it('writes the test flags where workerd reads its V8 flags (a flag it does not know stops it, naming the flag)', async () => {
    expect((await fetch(`${url}/`)).status).toBe(200);
    const { command, bytes } = configs.at(-1)!;
    const runtime = spawn(command, ['serve', '--binary', '--experimental', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    runtime.stdout.on('data', (c: Buffer) => (output += c.toString()));
    runtime.stderr.on('data', (c: Buffer) => (output += c.toString()));
    runtime.stdin.end(withV8Flags(bytes, ['--no-such-v8-flag']));
    // A runtime that took the configuration without the flag would serve on; it is stopped after a while.
    const timer = setTimeout(() => runtime.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => runtime.on('exit', resolve));
    clearTimeout(timer);
    expect(code).not.toBe(0);
    expect(output).toContain('unrecognized V8 flag; argv[1] = --no-such-v8-flag');
    // The message as miniflare wrote it, before the hook, holds no flags: the test flags are the hook's.
    expect(withV8Flags(bytes, ['--x']).byteLength).toBeGreaterThan(bytes.byteLength);
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
