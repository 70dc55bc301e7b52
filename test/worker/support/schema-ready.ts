import { env } from 'cloudflare:test';
import { beforeAll } from 'vitest';
import { ensureSchema } from '../../../src/storage/schema';

// The worker makes the schema ready per request and per queue batch; tests
// that call storage functions directly get it before they start.
beforeAll(() => ensureSchema(env.DB));
