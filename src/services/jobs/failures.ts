import { ensureSchema } from '../../storage/schema';

export async function recordFailedJob(
  db: D1Database,
  f: { cloud: string | null; kind: string; body: unknown; attempts: number; error: string },
): Promise<void> {
  await ensureSchema(db);
  await db
    .prepare('INSERT INTO failed_jobs (cloud, kind, body, attempts, error, failed_at) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(f.cloud, f.kind, JSON.stringify(f.body), f.attempts, f.error.slice(0, 2000), new Date().toISOString())
    .run();
}
