/**
 * The `upload_sessions` table: one row per chunked upload (`X-Unique-Upload-Id`)
 * between its chunks, holding the staging state as JSON.
 */
export async function sessionState(db: D1Database, cloud: string, uploadId: string): Promise<string | null> {
  const row = await db
    .prepare('SELECT state FROM upload_sessions WHERE cloud = ? AND upload_id = ?')
    .bind(cloud, uploadId)
    .first<{ state: string }>();
  return row?.state ?? null;
}

export interface SessionWrite {
  cloud: string;
  uploadId: string;
  r2Key: string;
  r2UploadId: string;
  /** The state as JSON; `$.staging.bytes` is what a concurrent writer is told apart by. */
  state: string;
  /** The bytes the stored state must say were received, or the write is refused. */
  expectedBytes: number;
}

/** Saves a session's state; false when another request moved it on meanwhile. */
export async function saveSessionState(db: D1Database, w: SessionWrite): Promise<boolean> {
  const now = Math.floor(Date.now() / 1000);
  const res = await db
    .prepare(
      `INSERT INTO upload_sessions (cloud, upload_id, r2_key, r2_upload_id, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (cloud, upload_id) DO UPDATE SET state = excluded.state, r2_upload_id = excluded.r2_upload_id, updated_at = excluded.updated_at
       WHERE json_extract(upload_sessions.state, '$.staging.bytes') = ?`,
    )
    .bind(w.cloud, w.uploadId, w.r2Key, w.r2UploadId, w.state, now, now, w.expectedBytes)
    .run();
  return !!res.meta.changes;
}

/** Removes a session; with `updatedBefore`, only when nobody touched it since. */
export async function deleteSession(db: D1Database, cloud: string, uploadId: string, updatedBefore?: number): Promise<void> {
  if (updatedBefore === undefined)
    await db.prepare('DELETE FROM upload_sessions WHERE cloud = ? AND upload_id = ?').bind(cloud, uploadId).run();
  else
    await db
      .prepare('DELETE FROM upload_sessions WHERE cloud = ? AND upload_id = ? AND updated_at < ?')
      .bind(cloud, uploadId, updatedBefore)
      .run();
}

/** Up to 100 sessions not updated since `cutoff` (seconds). */
export async function staleSessions(db: D1Database, cutoff: number): Promise<{ cloud: string; upload_id: string; state: string }[]> {
  const rows = await db
    .prepare('SELECT cloud, upload_id, state FROM upload_sessions WHERE updated_at < ? LIMIT 100')
    .bind(cutoff)
    .all<{ cloud: string; upload_id: string; state: string }>();
  return rows.results;
}
