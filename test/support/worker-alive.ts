import { existsSync, readFileSync } from 'node:fs';
import { beforeEach, inject } from 'vitest';

/**
 * The client tests' setup: once the shared worker's runtime is known to be
 * gone (test/support/runtime-watch.ts wrote why), every later test fails at
 * once with that reason instead of waiting out its timeout.
 */
beforeEach(() => {
  const file = inject('workerStatusFile');
  if (existsSync(file)) throw new Error(readFileSync(file, 'utf8'));
});
