import { configFrom } from '../../config/config';
import type { Env } from '../../config/env';
import { BudgetRefusal, engineMemory, type MemoryLease } from '../../engine/budget';
import type { ArchiveWriter } from '../../engine/archive/entry';

/**
 * An archive's buffers are charged to the isolate's memory budget (the
 * engine's pool, shared with image work): admitted with the writer's peak
 * (plus the multipart part in create mode) before anything is read, charged
 * buffer by buffer while it streams. What the archive held at most, and what
 * it wrote, are kept for tests, the bench and Server-Timing.
 */
export interface ArchiveMeasure {
  mode: 'create' | 'download';
  format: string;
  files: number;
  /** Bytes of the archive written. */
  bytes: number;
  /** The most its buffers held at once. */
  peakBytes: number;
}

/** The last finished archive of this isolate, and how many have finished (tests and the bench read it). */
export const archiveStats: { last: ArchiveMeasure | null; finished: number } = { last: null, finished: 0 };

/** A lease of the isolate's memory pool for one archive; refusals say it is the archive that waited or did not fit. */
export async function archiveLease(env: Env, writer: ArchiveWriter, extra: number): Promise<MemoryLease> {
  const pool = engineMemory(configFrom(env).limits.engineMemoryBytes);
  const bytes = writer.peakBytes + extra;
  try {
    return await pool.admit(bytes, `${writer.extension} archive`);
  } catch (err) {
    if (!(err instanceof BudgetRefusal)) throw err;
    const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
    throw new BudgetRefusal(
      err.limit === 'memory'
        ? `Archive too large for the memory budget: its buffers need ${mb(bytes)}, the memory budget is ${mb(pool.capacity)} per isolate (ENGINE_MEMORY_MB)`
        : `Archive could not be made now: too many requests wait for the memory budget (ENGINE_MEMORY_MB); try again`,
      err.limit,
    );
  }
}

/** The archive is done (or failed, or its consumer stopped): records what it held at most and closes its lease. */
export function finishArchive(lease: MemoryLease, what: Omit<ArchiveMeasure, 'bytes' | 'peakBytes'>, bytes: number): ArchiveMeasure {
  const m: ArchiveMeasure = { ...what, bytes, peakBytes: lease.peak };
  lease.close();
  archiveStats.last = m;
  archiveStats.finished++;
  return m;
}

/** Counts a streamed archive's bytes as they pass; its end, whatever it is, finishes the archive. */
export async function* measured(
  chunks: AsyncGenerator<Uint8Array>,
  lease: MemoryLease,
  what: Omit<ArchiveMeasure, 'bytes' | 'peakBytes'>,
): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      yield chunk;
    }
  } finally {
    finishArchive(lease, what, bytes);
  }
}

/**
 * The Server-Timing metric of an archive (when SERVER_TIMING=true): `archive`
 * for the one this answer made, `archive-last` for the isolate's last finished one
 * (a download is still streaming when its headers go out).
 */
export function archiveTiming(name: 'archive' | 'archive-last', m: ArchiveMeasure): string {
  return `${name};desc="${m.mode} ${m.format}";files=${m.files};bytes=${m.bytes};peak=${m.peakBytes}`;
}
