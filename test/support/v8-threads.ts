import childProcess, { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Starts the test runtimes (workerd) with V8 background threads to spare.
 *
 * V8 sizes its thread pool from the number of online CPUs less one, so on a
 * two-core machine (CI's) workerd has a single background thread, and there
 * V8 can lock itself up: a Maglev compile job on that thread waits for a
 * garbage collection, while the main thread keeps running cppgc's sweep
 * task, which waits for a background thread (gdb showed it; the isolate then
 * never answers again, see runtime-watch.ts). Each runtime is therefore
 * started in its own mount namespace where /sys/devices/system/cpu/online
 * says eight CPUs, which is where glibc's sysconf(_SC_NPROCESSORS_ONLN), and
 * so V8, reads the count. That takes root and util-linux's unshare; without
 * them runtimes start as they are.
 */
const CPUS = 8;

let installed = false;

export function spawnRuntimesWithMoreV8Threads(): void {
  if (installed) return;
  installed = true;
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return;
  const online = join(tmpdir(), `cld-test-cpus-online-${CPUS}`);
  writeFileSync(online, `0-${CPUS - 1}\n`);
  const script = `mount --bind '${online}' /sys/devices/system/cpu/online && exec "$0" "$@"`;
  if (spawnSync('unshare', ['-m', '--', 'sh', '-c', script, 'true']).status !== 0) return;
  const original = childProcess.spawn;
  childProcess.spawn = ((...call: Parameters<typeof original>) => {
    const [command, args, options] = call as unknown as [string, unknown, childProcess.SpawnOptions | undefined];
    if (!String(command).includes('workerd') || !Array.isArray(args)) return original(...call);
    return original('unshare', ['-m', '--', 'sh', '-c', script, command, ...(args as string[])], options ?? {});
  }) as typeof original;
}
