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

/** The archive as it streams out: its length when known in advance (ZIP), and the stream. */
export interface ArchiveStream {
  contentType: string;
  extension: string;
  length: number | null;
  body: ReadableStream<Uint8Array>;
}

/** Reads an entry's stream, checking it delivers exactly the bytes announced (the headers already said so). */
export async function* entryChunks(entry: ArchiveEntry): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of (await entry.open()) as unknown as AsyncIterable<Uint8Array>) {
    seen += chunk.length;
    if (seen > entry.bytes) throw new Error(`${entry.name}: more bytes than the ${entry.bytes} announced`);
    yield chunk;
  }
  if (seen !== entry.bytes) throw new Error(`${entry.name}: ${seen} bytes instead of the ${entry.bytes} announced`);
}

/** A pull stream over an async generator: the consumer's pace sets the pace, so memory stays at one chunk. */
export function streamOf(chunks: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
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
  });
}
