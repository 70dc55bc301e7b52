import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { TEST_VARS } from './test/support/clouds.ts';

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
        // Client level: Node talks to the worker over HTTP, as users and the SDK do.
        test: {
          name: 'client',
          include: ['test/client/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/client/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
