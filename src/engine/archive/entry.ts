import type { MemoryLease } from '../budget';

/** One file of an archive: its name inside the archive and where its bytes come from. */
export interface ArchiveEntry {
  name: string;
  /** Which asset it comes from: an asset gives several files when several transformations are asked for. */
  source: string;
  bytes: number;
  modified: Date;
  /** Opens the bytes when the writer reaches this entry (one entry is read at a time). */
  open(): Promise<ReadableStream<Uint8Array>>;
}

/**
 * An archive ready to stream: its length when known in advance (ZIP), what
 * its writer holds at most besides the chunks it is handed (for admission to
 * the memory budget), and its chunks, each charged to the lease while the
 * writer holds it.
 */
export interface ArchiveWriter {
  contentType: string;
  extension: string;
  length: number | null;
  /** Bytes the writer's own buffers reach at most: read chunks, headers, the central directory, the compressor. */
  peakBytes: number;
  chunks(lease: MemoryLease): AsyncGenerator<Uint8Array>;
}

/**
 * Entries are read in chunks of this size into buffers the writer allocates
 * (and charges) itself, so what one read holds is known before it is made.
 */
export const ARCHIVE_READ_CHUNK = 256 * 1024;

/**
 * Hands `chunk` to the consumer while it is charged to the lease: the charge
 * ends when the consumer asks for the next chunk (it has taken this one) or
 * stops. The caller charged it before allocating it.
 */
export async function* lent(lease: MemoryLease, bytes: number, chunk: Uint8Array): AsyncGenerator<Uint8Array> {
  try {
    yield chunk;
  } finally {
    lease.credit(bytes);
  }
}

/** Allocates a small buffer (a header, a padding) charged to the lease and lends it. */
export function lentBuffer(lease: MemoryLease, bytes: number, what: string, fill: (out: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  lease.charge(bytes, what);
  const out = new Uint8Array(bytes);
  fill(out);
  return lent(lease, bytes, out);
}

/**
 * Reads an entry's bytes into buffers of ARCHIVE_READ_CHUNK charged before
 * they are allocated (a bring-your-own-buffer read; a stream that cannot
 * fill one is read chunk by chunk, each charged as it arrives), checking the
 * entry delivers exactly the bytes announced (the headers already said so).
 */
export async function* entryChunks(entry: ArchiveEntry, lease: MemoryLease): AsyncGenerator<Uint8Array> {
  const body = await entry.open();
  let seen = 0;
  const count = (n: number) => {
    seen += n;
    if (seen > entry.bytes) throw new Error(`${entry.name}: more bytes than the ${entry.bytes} announced`);
  };
  const byob = byobReader(body);
  if (byob) {
    try {
      for (;;) {
        lease.charge(ARCHIVE_READ_CHUNK, `archive read of ${entry.name}`);
        let chunk: Uint8Array;
        try {
          chunk = await fill(byob, new ArrayBuffer(ARCHIVE_READ_CHUNK));
          count(chunk.length);
        } catch (err) {
          lease.credit(ARCHIVE_READ_CHUNK);
          throw err;
        }
        if (!chunk.length) {
          lease.credit(ARCHIVE_READ_CHUNK);
          break;
        }
        yield* lent(lease, ARCHIVE_READ_CHUNK, chunk);
      }
    } finally {
      await byob.cancel().catch(() => undefined);
    }
  } else {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      lease.charge(chunk.length, `archive read of ${entry.name}`);
      try {
        count(chunk.length);
      } catch (err) {
        lease.credit(chunk.length);
        throw err;
      }
      yield* lent(lease, chunk.length, chunk);
    }
  }
  if (seen !== entry.bytes) throw new Error(`${entry.name}: ${seen} bytes instead of the ${entry.bytes} announced`);
}

function byobReader(body: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | null {
  try {
    return body.getReader({ mode: 'byob' });
  } catch {
    return null;
  }
}

/** Reads until `buffer` is full or the stream ends; the view returned holds what was read. */
async function fill(reader: ReadableStreamBYOBReader, buffer: ArrayBuffer): Promise<Uint8Array> {
  let filled = 0;
  let current = buffer;
  while (filled < current.byteLength) {
    const { value, done } = await reader.read(new Uint8Array(current, filled, current.byteLength - filled));
    if (value) current = value.buffer as ArrayBuffer;
    if (done) break;
    filled += value.byteLength;
  }
  return new Uint8Array(current, 0, filled);
}

/** A pull stream over an async generator: the consumer's pace sets the pace, so memory stays at one chunk. */
export function streamOf(chunks: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  // No queue of its own (high-water mark 0): a chunk is made only when the consumer asks for one.
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (err) {
          controller.error(err);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
