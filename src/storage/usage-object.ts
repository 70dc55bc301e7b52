import { DurableObject } from 'cloudflare:workers';

/**
 * A cloud's usage counters (requests, transformations, bandwidth; totals and
 * per UTC day), one Durable Object per cloud with its own SQLite storage. The
 * isolates of every data centre add their gathered counts here, so counting
 * puts no write on the one D1 database: the writes of a busy cloud land on its
 * own object and those of different clouds on different objects.
 */
export class UsageCounters extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS counters (metric TEXT PRIMARY KEY, value INTEGER NOT NULL)');
  }

  /** Adds `[metric key, n]` counts in one transaction. */
  add(counts: [metric: string, n: number][]): void {
    this.ctx.storage.transactionSync(() => {
      for (const [metric, n] of counts) {
        if (typeof metric !== 'string' || !Number.isSafeInteger(n) || n <= 0) continue;
        this.ctx.storage.sql.exec(
          'INSERT INTO counters (metric, value) VALUES (?, ?) ON CONFLICT (metric) DO UPDATE SET value = value + excluded.value',
          metric,
          n,
        );
      }
    });
  }

  /** The values of some metric keys; a key never counted is absent. */
  values(keys: string[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of keys.slice(0, 100)) {
      const row = this.ctx.storage.sql.exec<{ value: number }>('SELECT value FROM counters WHERE metric = ?', key).toArray()[0];
      if (row) out[key] = row.value;
    }
    return out;
  }
}
