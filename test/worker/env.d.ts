import type { Env as WorkerEnv } from '../../src/config/env';

declare global {
  namespace Cloudflare {
    // The pool's documented way to type `env` from 'cloudflare:test'.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Env extends WorkerEnv {}
  }
}
