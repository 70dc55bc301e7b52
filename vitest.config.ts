import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { TEST_VARS } from './test/support/clouds.ts';
import { startRuntimesWithTestFlags } from './test/support/runtime-flags.ts';

// In vitest's own process, where the worker tests' pool and the client tests' shared worker start their runtimes.
startRuntimesWithTestFlags();

export default defineConfig({
  test: {
    projects: [
      {
        // Worker level: the tests run inside workerd against the real local bindings.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: { bindings: TEST_VARS },
          }),
        ],
        test: { name: 'worker', include: ['test/worker/**/*.test.ts'], setupFiles: ['test/worker/support/schema-ready.ts'] },
        // Image fixtures are imported as data URLs (`?inline`); Vite does not know HEIC/AVIF as assets by itself.
        assetsInclude: ['**/*.heic', '**/*.avif'],
      },
      {
        // Unit level: the pure engine (geometry, focus, pixels, grammar) in plain Node.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        // Client level: Node talks to the worker over HTTP, as users and the SDK do.
        test: {
          name: 'client',
          include: ['test/client/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/client/global-setup.ts'],
          setupFiles: ['test/support/worker-alive.ts', 'test/support/runtime-flags-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The tooling around the worker, from Node: the summary reporter, the Chromium finder, `npm run dev`.
        test: { name: 'scripts', include: ['test/scripts/*.test.ts'], environment: 'node', testTimeout: 180_000 },
      },
    ],
  },
});
