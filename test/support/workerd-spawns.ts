import childProcess, { type ChildProcess } from 'node:child_process';

/**
 * The one place the tests hook into how miniflare starts workerd: miniflare
 * spawns each runtime through node:child_process, so one wrapper of `spawn`
 * (installed on first use) tells every listener of each workerd process, in
 * the order they were added, right after the spawn and still inside
 * miniflare's call (its frames are on the stack).
 */
export type WorkerdListener = (proc: ChildProcess, command: string) => void;

const listeners = new Set<WorkerdListener>();
let installed = false;

/** Calls `listener` for each workerd spawned from now on; the returned function stops that. */
export function onWorkerdSpawn(listener: WorkerdListener): () => void {
  if (!installed) {
    installed = true;
    const original = childProcess.spawn;
    childProcess.spawn = ((...call: Parameters<typeof original>) => {
      const proc = original(...call);
      const command = String(call[0]);
      if (command.includes('workerd')) for (const l of [...listeners]) l(proc, command);
      return proc;
    }) as typeof original;
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Passes the first chunk written to `proc`'s standard input through `rewrite`:
 * miniflare writes the runtime's whole configuration there first, in one
 * piece. Of several rewrites, the one added last sees the bytes first.
 */
export function rewriteConfig(proc: ChildProcess, rewrite: (config: Uint8Array) => Uint8Array): void {
  const stdin = proc.stdin;
  if (!stdin) return;
  const write = stdin.write.bind(stdin) as (chunk: unknown, ...rest: unknown[]) => boolean;
  let first = true;
  stdin.write = ((chunk: unknown, ...rest: unknown[]) => {
    const out = first && chunk instanceof Uint8Array ? rewrite(chunk) : chunk;
    first = false;
    return write(out, ...rest);
  }) as typeof stdin.write;
}
