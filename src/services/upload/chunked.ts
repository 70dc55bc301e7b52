import { badRequest } from '../../errors';
import type { Env } from '../../config/env';
import { randomId } from '../../auth/crypto';
import { configFrom } from '../../config/config';
import { uploadKey } from '../../storage/keys';
import { ensureSchema } from '../../storage/schema';
import { discardState, Staging, type StagedFile, type StagingState } from './staging';

/** `Content-Range: bytes <start>-<end>/<total>`; Node sends total -1 until the last chunk. */
export interface ChunkRange {
  start: number;
  end: number;
  /** null while the client does not say (Node's -1, or `*`). */
  total: number | null;
}

export function parseContentRange(header: string): ChunkRange {
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|-1|\*)\s*$/i.exec(header);
  if (!m) throw badRequest(`Invalid Content-Range header: ${header}`);
  const start = Number(m[1]);
  const end = Number(m[2]);
  const total = m[3] === '-1' || m[3] === '*' ? null : Number(m[3]);
  if (end < start || (total !== null && end >= total)) throw badRequest(`Invalid Content-Range header: ${header}`);
  return { start, end, total };
}

/** What a chunked upload keeps between its requests (the `state` column of upload_sessions). */
interface SessionState {
  staging: StagingState;
  /** The public id the first chunk named, if any (Python sends the answer's back on later chunks). */
  publicId: string | null;
}

/** Abandoned sessions older than this are aborted by the next clean-up pass. */
const ABANDONED_AFTER_SECONDS = 3600;

export type ChunkOutcome =
  { done: false; publicId: string | null; bytes: number } | { done: true; publicId: string | null; file: StagedFile };

/**
 * One chunk being appended to its session. Chunks must arrive in order (the
 * SDKs send them one after the other); the last one completes the R2
 * multipart upload and hands back the whole file, staged. Nothing is saved
 * until `commit`, so a chunk whose request fails leaves the session as it was.
 */
export class OpenChunk {
  private constructor(
    private readonly env: Env,
    private readonly cloud: string,
    private readonly uploadId: string,
    private readonly range: ChunkRange,
    /** Where the chunk's bytes go, as they arrive. */
    readonly writer: Staging,
    private readonly received: number,
    private readonly sessionPublicId: string | null,
  ) {}

  static async open(env: Env, cloud: string, uploadId: string, range: ChunkRange): Promise<OpenChunk> {
    await ensureSchema(env.DB);
    const limit = configFrom(env).limits.maxChunkedUploadBytes;
    const row = await env.DB.prepare('SELECT state FROM upload_sessions WHERE cloud = ? AND upload_id = ?')
      .bind(cloud, uploadId)
      .first<{ state: string }>();
    const session: SessionState | null = row ? (JSON.parse(row.state) as SessionState) : null;
    const received = session?.staging.bytes ?? 0;
    if (range.start !== received) throw badRequest(`Chunk out of order: expected bytes from ${received}, got ${range.start}`);
    const writer = session
      ? await Staging.resume(env.BUCKET, session.staging, limit)
      : Staging.start(env.BUCKET, uploadKey(cloud, `c-${uploadId}-${randomId(8)}`), limit);
    return new OpenChunk(env, cloud, uploadId, range, writer, received, session?.publicId ?? null);
  }

  /** The chunk is all in: saves the session, or completes the file on the last chunk. */
  async commit(givenPublicId: string | undefined): Promise<ChunkOutcome> {
    const { env, cloud, uploadId, range } = this;
    const publicId = givenPublicId ?? this.sessionPublicId;
    try {
      const got = this.writer.received - this.received;
      if (got !== range.end - range.start + 1)
        throw badRequest(`Chunk size ${got} does not match Content-Range bytes ${range.start}-${range.end}`);
      const last = range.total !== null && range.end + 1 === range.total;
      if (!last) {
        const state: SessionState = { staging: await this.writer.suspend(), publicId };
        await saveSession(env.DB, cloud, uploadId, state, this.received);
        return { done: false, publicId, bytes: state.staging.bytes };
      }
      const file = await this.writer.finish();
      await env.DB.prepare('DELETE FROM upload_sessions WHERE cloud = ? AND upload_id = ?').bind(cloud, uploadId).run();
      return { done: true, publicId, file };
    } catch (err) {
      await this.fail();
      throw err;
    }
  }

  /** Gives the whole upload up: its multipart upload, tail and session row. */
  async fail(): Promise<void> {
    await this.writer.abort();
    await this.env.DB.prepare('DELETE FROM upload_sessions WHERE cloud = ? AND upload_id = ?').bind(this.cloud, this.uploadId).run();
  }
}

/** Appends a chunk that was staged first (its request's fields could not be checked before its bytes came). */
export async function appendChunk(
  env: Env,
  cloud: string,
  uploadId: string,
  range: ChunkRange,
  chunk: StagedFile,
  givenPublicId: string | undefined,
): Promise<ChunkOutcome> {
  const open = await OpenChunk.open(env, cloud, uploadId, range);
  try {
    const body = await chunk.body();
    if (body instanceof Uint8Array) await open.writer.write(body);
    else for await (const piece of body as unknown as AsyncIterable<Uint8Array>) await open.writer.write(piece);
  } catch (err) {
    await open.fail();
    throw err;
  }
  return open.commit(givenPublicId);
}

/** Saves the session, refusing when another request moved it on meanwhile. */
async function saveSession(db: D1Database, cloud: string, uploadId: string, state: SessionState, expectedBytes: number): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const res = await db
    .prepare(
      `INSERT INTO upload_sessions (cloud, upload_id, r2_key, r2_upload_id, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (cloud, upload_id) DO UPDATE SET state = excluded.state, r2_upload_id = excluded.r2_upload_id, updated_at = excluded.updated_at
       WHERE json_extract(upload_sessions.state, '$.staging.bytes') = ?`,
    )
    .bind(cloud, uploadId, state.staging.key, state.staging.uploadId ?? '', JSON.stringify(state), now, now, expectedBytes)
    .run();
  if (!res.meta.changes) throw badRequest('Chunk out of order: another chunk of this upload arrived at the same time');
}

/**
 * Aborts chunked uploads nobody continued for ABANDONED_AFTER_SECONDS: their
 * multipart uploads, tails and rows, plus staging objects left by requests
 * that died mid-way. Runs in the background of every new chunked upload.
 */
export async function cleanupAbandonedUploads(env: Env, now = Date.now()): Promise<number> {
  await ensureSchema(env.DB);
  const cutoff = Math.floor(now / 1000) - ABANDONED_AFTER_SECONDS;
  const stale = await env.DB.prepare('SELECT cloud, upload_id, state FROM upload_sessions WHERE updated_at < ? LIMIT 100')
    .bind(cutoff)
    .all<{ cloud: string; upload_id: string; state: string }>();
  for (const s of stale.results) {
    await discardState(env.BUCKET, (JSON.parse(s.state) as SessionState).staging);
    await env.DB.prepare('DELETE FROM upload_sessions WHERE cloud = ? AND upload_id = ? AND updated_at < ?')
      .bind(s.cloud, s.upload_id, cutoff)
      .run();
  }
  const listed = await env.BUCKET.list({ prefix: 'u/', limit: 1000 });
  const orphans = listed.objects.filter((o) => /\/s-[a-z0-9]+$/.test(o.key) && o.uploaded.getTime() < cutoff * 1000).map((o) => o.key);
  if (orphans.length) await env.BUCKET.delete(orphans);
  return stale.results.length;
}
