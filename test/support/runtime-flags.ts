import { withV8Flags } from './workerd-config';
import { onWorkerdSpawn, rewriteConfig } from './workerd-spawns';

/**
 * Starts every test runtime (workerd) with `--single-threaded-gc`.
 *
 * Without it the local runtime can lock up for good (seen here under gdb, and
 * CI's timeout had the same shape; runtime-watch.ts): background compile jobs on every
 * V8 worker thread wait for a garbage collection, while the main thread,
 * draining V8's task queue between two requests, runs cppgc's incremental
 * sweep task, which in concurrent mode only finalizes and re-posts itself
 * until a concurrent sweep job runs on a worker thread that never frees up.
 * On two cores V8 has one worker thread, so one Maglev job is enough. With
 * the flag cppgc sweeps on the main thread alone, so each slice makes
 * progress and the task ends (it also turns off concurrent marking, at some
 * cost in main-thread GC time, which tests can afford). The flag goes into the
 * configuration miniflare writes to workerd's standard input (field
 * `v8Flags`), since wrangler 4.86's miniflare has no option for it.
 */
const TEST_RUNTIME_V8_FLAGS = ['--single-threaded-gc'];

let installed = false;

export function startRuntimesWithTestFlags(): void {
  if (installed) return;
  installed = true;
  onWorkerdSpawn((proc) => rewriteConfig(proc, (config) => withV8Flags(config, TEST_RUNTIME_V8_FLAGS)));
}
