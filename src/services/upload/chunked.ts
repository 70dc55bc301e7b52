import { badRequest } from '../../errors';
import type { Env } from '../../config/env';
import { randomId } from '../../auth/crypto';
import { configFrom } from '../../config/config';
import { uploadKey } from '../../storage/keys';
import {
  claimSession,
  deleteSession,
  deleteStaleSession,
  readSession,
  recordStaging,
  saveSessionIf,
  staleSessions,
  stagingSessionId,
} from '../../storage/upload-sessions';
import { discardState, Staging, type MultipartLedger, type StagedFile, type StagingState } from './staging';

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

  /**
   * Opens the session for this chunk. The declared total (and the chunk's
   * end) must fit MAX_CHUNKED_UPLOAD_BYTES, checked before any byte is read.
   * The last chunk takes the session for itself, so of two copies of it
   * racing, only one completes the upload.
   */
  static async open(env: Env, cloud: string, uploadId: string, range: ChunkRange): Promise<OpenChunk> {
    const limit = configFrom(env).limits.maxChunkedUploadBytes;
    const declared = Math.max(range.total ?? 0, range.end + 1);
    if (declared > limit) throw badRequest(`File size too large. Got ${declared}. Maximum is ${limit}.`);
    const stored = await readSession(env.DB, cloud, uploadId);
    const session: SessionState | null = stored ? (JSON.parse(stored) as SessionState) : null;
    const received = session?.staging.bytes ?? 0;
    if (range.start !== received) throw badRequest(`Chunk out of order: expected bytes from ${received}, got ${range.start}`);
    if (session && isLast(range) && !(await claimSession(env.DB, cloud, uploadId, received))) throw raced();
    const writer = session
      ? await Staging.resume(env.BUCKET, session.staging, limit)
      : Staging.start(env.BUCKET, uploadKey(cloud, `c-${uploadId}-${randomId(8)}`), limit, multipartLedger(env, cloud));
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
      if (!isLast(range)) {
        const state: SessionState = { staging: await this.writer.suspend(), publicId };
        const { key, uploadId: r2UploadId } = state.staging;
        const saved = await saveSessionIf(
          env.DB,
          { cloud, uploadId, key, r2UploadId: r2UploadId ?? '', state: JSON.stringify(state) },
          this.received,
        );
        if (!saved) {
          // Another request owns the session now: give up only what is this request's own.
          if (this.received === 0) await this.writer.abort();
          this.lostRace = true;
          throw raced();
        }
        await this.writer.handOver();
        return { done: false, publicId, bytes: state.staging.bytes };
      }
      const file = await this.writer.finish();
      await deleteSession(env.DB, cloud, uploadId);
      return { done: true, publicId, file };
    } catch (err) {
      await this.fail();
      throw err;
    }
  }

  private lostRace = false;

  /** Gives the whole upload up: its multipart upload, tail and session row (unless another request owns them now). */
  async fail(): Promise<void> {
    if (this.lostRace) return;
    await this.writer.abort();
    await deleteSession(this.env.DB, this.cloud, this.uploadId);
  }
}

const isLast = (range: ChunkRange) => range.total !== null && range.end + 1 === range.total;
const raced = () => badRequest('Chunk out of order: another chunk of this upload arrived at the same time');

/** Staging multipart uploads recorded as rows of upload_sessions, so the sweep finds them. */
export function multipartLedger(env: Env, cloud: string): MultipartLedger {
  return {
    started: (key, r2UploadId) => {
      const state: SessionState = { staging: { key, uploadId: r2UploadId, parts: [], bytes: 0, tailBytes: 0 }, publicId: null };
      return recordStaging(env.DB, cloud, key, r2UploadId, JSON.stringify(state));
    },
    ended: (key) => deleteSession(env.DB, cloud, stagingSessionId(key)),
  };
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

/**
 * Aborts chunked uploads nobody continued for ABANDONED_AFTER_SECONDS: their
 * multipart uploads, tails and rows, plus staging objects left by requests
 * that died mid-way (their multipart uploads are recorded as sessions too).
 * Runs in the background of a new chunked upload, once its request passed
 * the signature or preset check.
 */
export async function cleanupAbandonedUploads(env: Env, now = Date.now()): Promise<number> {
  const cutoff = Math.floor(now / 1000) - ABANDONED_AFTER_SECONDS;
  const stale = await staleSessions(env.DB, cutoff, 100);
  for (const s of stale) {
    await discardState(env.BUCKET, (JSON.parse(s.state) as SessionState).staging);
    await deleteStaleSession(env.DB, s.cloud, s.upload_id, cutoff);
  }
  const listed = await env.BUCKET.list({ prefix: 'u/', limit: 1000 });
  const orphans = listed.objects.filter((o) => /\/s-[a-z0-9]+$/.test(o.key) && o.uploaded.getTime() < cutoff * 1000).map((o) => o.key);
  if (orphans.length) await env.BUCKET.delete(orphans);
  return stale.length;
}
