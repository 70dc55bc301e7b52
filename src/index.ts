import type { Env } from './config/env';
import { app, normaliseApiPath } from './http/app';
import { consumeJobs } from './services/jobs/consumer';
import { JOB_HANDLERS } from './services/jobs/handlers';

/** The Durable Object class wrangler.toml binds as USAGE: a cloud's usage counters. */
export { UsageCounters } from './storage/usage-object';

/** The worker's two entry points: HTTP requests (src/http/app.ts) and queue batches. */
export default {
  fetch(req: Request, env: Env, ctx: ExecutionContext) {
    return app.fetch(normaliseApiPath(req), env, ctx);
  },
  queue(batch: MessageBatch<unknown>, env: Env) {
    return consumeJobs(batch, env, JOB_HANDLERS);
  },
} satisfies ExportedHandler<Env>;
