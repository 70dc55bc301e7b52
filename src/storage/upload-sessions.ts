/**
 * Rows of `upload_sessions`: chunked uploads in progress (one per client
 * upload id), and the R2 multipart uploads that single requests are staging
 * (upload id `staging:<key>`), so that the sweep can abort what a request
 * that died mid-way left behind. `state` is the caller's JSON.
 */
export interface SessionRow {
  cloud: string;
  upload_id: string;
  state: string;
}

const STAGING_PREFIX = 'staging:';
export const stagingSessionId = (key: string) => `${STAGING_PREFIX}${key}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function readSession(db: D1Database, cloud: string, uploadId: string): Promise<string | null> {
  const row = await db
    .prepare('SELECT state FROM upload_sessions WHERE cloud = ? AND upload_id = ?')
    .bind(cloud, uploadId)
    .first<{ state: string }>();
  return row?.state ?? null;
}

/**
 * Saves a session's new state, only if its byte count is still `expectedBytes`
 * (no other request moved it on meanwhile). False when another one did.
 */
export async function saveSessionIf(
  db: D1Database,
  s: { cloud: string; uploadId: string; key: string; r2UploadId: string; state: string },
  expectedBytes: number,
): Promise<boolean> {
  const now = nowSeconds();
  const res = await db
    .prepare(
      `INSERT INTO upload_sessions (cloud, upload_id, r2_key, r2_upload_id, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (cloud, upload_id) DO UPDATE SET state = excluded.state, r2_upload_id = excluded.r2_upload_id, updated_at = excluded.updated_at
       WHERE json_extract(upload_sessions.state, '$.staging.bytes') = ?`,
    )
    .bind(s.cloud, s.uploadId, s.key, s.r2UploadId, s.state, now, now, expectedBytes)
    .run();
  return res.meta.changes > 0;
}

/**
 * Takes a session for its last chunk: deletes the row only if its byte count
 * is still `expectedBytes`. Of two requests racing for it, exactly one gets true.
 */
export async function claimSession(db: D1Database, cloud: string, uploadId: string, expectedBytes: number): Promise<boolean> {
  const res = await db
    .prepare(`DELETE FROM upload_sessions WHERE cloud = ? AND upload_id = ? AND json_extract(state, '$.staging.bytes') = ?`)
    .bind(cloud, uploadId, expectedBytes)
    .run();
  return res.meta.changes > 0;
}

export async function deleteSession(db: D1Database, cloud: string, uploadId: string): Promise<void> {
  await db.prepare('DELETE FROM upload_sessions WHERE cloud = ? AND upload_id = ?').bind(cloud, uploadId).run();
}

/** Records a staging multipart upload (its state in the shape of a session's, so the sweep treats both alike). */
export async function recordStaging(db: D1Database, cloud: string, key: string, r2UploadId: string, state: string): Promise<void> {
  const now = nowSeconds();
  await db
    .prepare(
      'INSERT OR REPLACE INTO upload_sessions (cloud, upload_id, r2_key, r2_upload_id, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    .bind(cloud, stagingSessionId(key), key, r2UploadId, state, now, now)
    .run();
}

/** Sessions (and staging records) nobody touched since `cutoff` (unix seconds), oldest first. */
export async function staleSessions(db: D1Database, cutoff: number, limit: number): Promise<SessionRow[]> {
  const res = await db
    .prepare('SELECT cloud, upload_id, state FROM upload_sessions WHERE updated_at < ? ORDER BY updated_at LIMIT ?')
    .bind(cutoff, limit)
    .all<SessionRow>();
  return res.results;
}

/** Deletes a stale session unless a request touched it since `cutoff`. */
export async function deleteStaleSession(db: D1Database, cloud: string, uploadId: string, cutoff: number): Promise<void> {
  await db.prepare('DELETE FROM upload_sessions WHERE cloud = ? AND upload_id = ? AND updated_at < ?').bind(cloud, uploadId, cutoff).run();
}
