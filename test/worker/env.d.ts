import type { Secrets } from '../../src/config/env';

declare global {
  namespace Cloudflare {
    // The pool types `env` from 'cloudflare:test' as Cloudflare.Env: its bindings and
    // [vars] are generated from wrangler.toml; the tests also set secrets (TEST_VARS).
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Env extends Secrets {}
  }
}
