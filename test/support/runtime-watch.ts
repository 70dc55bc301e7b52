import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { onWorkerdSpawn } from './workerd-spawns';

/**
 * Watches the workerd runtime behind the shared test worker, and replaces it
 * when it stops answering.
 *
 * Why: CI once timed out because that runtime locked up for good 80 s into
 * the client tests, and wrangler's dev proxy held every later request until
 * its test gave up. gdb on a runtime locked up the same way here showed V8's
 * one background thread (two cores give one) in a Maglev compile waiting for
 * a garbage collection, and the main thread, between two requests, running
 * cppgc's incremental sweep task over and over. ./runtime-flags.ts removes
 * that cycle; this watch is what is left if a runtime stops answering anyway:
 * it says so, with the evidence, and the run goes on with a new runtime (the
 * state lives on disk, in the persist directory, so nothing is lost).
 *
 * What is printed on each restart: why (the runtime exited, or the worker
 * did not answer a ping), whether the old runtime was busy (CPU time growing)
 * or idle, and the last lines it wrote. After MAX_RESTARTS, `statusFile` gets
 * the reason and the client tests' setup fails every later test at once.
 */
export interface RuntimeWatch {
  /** Pings `url`; `reload` makes wrangler start a new runtime (the proxy keeps its address). */
  watch(url: string, reload: () => Promise<void>): void;
  /** Stops watching (before a deliberate shutdown, whose exits are expected). */
  stop(): void;
  /** The runtimes seen so far, oldest first (wrangler's proxy, then the worker's), and the restarts made. */
  readonly seen: { pids: (number | undefined)[]; restarts: number };
}

const TAIL_BYTES = 16 * 1024;
/**
 * Not 5 s: workerd drops a keep-alive connection after 5 s idle, and a ping every 5 s keeps a connection of
 * wrangler's proxy idle for just that long, so a test's POST that picks it up as it closes gets the proxy's 503.
 */
const PING_EVERY_MS = 2_000;
/** Far above the longest time one test request keeps the isolate busy (a few seconds), and well inside a test's 60 s. */
const PING_TIMEOUT_MS = 25_000;
/** How long a restarted runtime may take to answer its first ping. */
const RESTART_TIMEOUT_MS = 60_000;
const MAX_RESTARTS = 3;

interface Runtime {
  proc: ChildProcess;
  tail: string;
  /** Killed by this watch, so its exit is no news. */
  replaced: boolean;
}

/**
 * Captures the workerd processes that the code in `spawner` (the directory of
 * the worker's miniflare) spawns from `start` on (./workerd-spawns.ts).
 * Other runtimes of this process (vitest's pool for the worker tests) have
 * their own miniflare and are left alone.
 */
export async function watchRuntimes<T>(
  statusFile: string,
  spawner: string,
  start: () => Promise<T>,
  pingTimeoutMs = PING_TIMEOUT_MS,
): Promise<{ started: T; watch: RuntimeWatch }> {
  const runtimes: Runtime[] = [];
  let stopped = false;
  let recovering = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  let url = '';
  let reload: () => Promise<void> = async () => undefined;

  const track = (proc: ChildProcess) => {
    const r: Runtime = { proc, tail: '', replaced: false };
    runtimes.push(r);
    const keep = (chunk: Buffer) => {
      r.tail = (r.tail + chunk.toString()).slice(-TAIL_BYTES);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.on('exit', (code, signal) => {
      if (!r.replaced) void recover(`workerd pid ${proc.pid} exited (code ${code}, signal ${signal})`);
    });
  };

  const ping = async (timeoutMs: number): Promise<string | undefined> => {
    const t0 = Date.now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      return undefined;
    } catch (err) {
      return `GET ${url} failed after ${Date.now() - t0} ms (${err instanceof Error ? err.message : String(err)})`;
    }
  };

  const schedule = () => {
    if (!stopped) timer = setTimeout(() => void tick(), PING_EVERY_MS);
  };
  const tick = async () => {
    const failure = await ping(pingTimeoutMs);
    if (stopped || recovering) return;
    if (failure) await recover(failure);
    else schedule();
  };

  const recover = async (reason: string) => {
    if (stopped || recovering) return;
    recovering = true;
    clearTimeout(timer);
    // The user worker's runtime is the newest one; the first is wrangler's proxy, which keeps the address.
    const alive = runtimes.filter((r) => r.proc.exitCode === null && r.proc.signalCode === null);
    const stuck = alive.length > 1 ? alive[alive.length - 1] : undefined;
    // Two readings a second apart: a runtime spinning in a loop gains CPU time, a stuck one does not.
    const before = runtimes.map((r) => describeProcess(r.proc));
    await new Promise((r) => setTimeout(r, 1000));
    const detail = [
      `The shared test worker stopped answering: ${reason}`,
      ...runtimes.map(
        (r, i) =>
          `workerd pid ${r.proc.pid} (${before[i]}; a second later ${describeProcess(r.proc)}), its last output:\n${r.tail.trim().slice(-2000) || '(none)'}`,
      ),
    ].join('\n');
    if (++restarts > MAX_RESTARTS) {
      console.error(`\n[runtime-watch] ${detail}\nGiving up after ${MAX_RESTARTS} restarts.\n`);
      writeFileSync(statusFile, detail);
      return;
    }
    console.error(`\n[runtime-watch] ${detail}\nRestarting the runtime (restart ${restarts} of at most ${MAX_RESTARTS}).\n`);
    // Reload first, so that wrangler's proxy is paused and requeues the GETs the old runtime drops; then let it go.
    const spawned = runtimes.length;
    if (stuck) stuck.replaced = true;
    await reload();
    // The proxy hears of the reload through a message of its own; give it a moment before the old runtime drops its requests.
    await new Promise((r) => setTimeout(r, 1000));
    stuck?.proc.kill('SIGKILL');
    const deadline = Date.now() + RESTART_TIMEOUT_MS;
    while (runtimes.length === spawned && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const failure = runtimes.length === spawned ? 'no new runtime started' : await ping(Math.max(1, deadline - Date.now()));
    recovering = false;
    if (failure) {
      restarts = MAX_RESTARTS;
      await recover(`the restarted runtime does not answer: ${failure}`);
      return;
    }
    console.error(`[runtime-watch] the restarted runtime answers.`);
    schedule();
  };

  // Kept until stop(): wrangler starts the runtime that runs the worker after its proxy, not always before `start` settles.
  const unlisten = onWorkerdSpawn((proc) => {
    if (new Error().stack?.includes(spawner)) track(proc);
  });
  let started: T;
  try {
    started = await start();
  } catch (err) {
    unlisten();
    throw err;
  }

  return {
    started,
    watch: {
      watch(at: string, restart: () => Promise<void>) {
        url = at;
        reload = restart;
        schedule();
      },
      stop() {
        stopped = true;
        clearTimeout(timer);
        unlisten();
      },
      get seen() {
        return { pids: runtimes.map((r) => r.proc.pid), restarts };
      },
    },
  };
}

/** Alive or not, and CPU time so far. */
function describeProcess(proc: ChildProcess): string {
  if (proc.exitCode !== null || proc.signalCode !== null) return `exited: code ${proc.exitCode}, signal ${proc.signalCode}`;
  try {
    const fields = readFileSync(`/proc/${proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // After the command: state is field 3, utime and stime fields 14 and 15 (clock ticks, usually 100 a second).
    return `running, state ${fields[0]}, cpu ${(Number(fields[11]) + Number(fields[12])) / 100} s`;
  } catch {
    return 'running';
  }
}
