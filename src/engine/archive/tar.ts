import type { MemoryLease } from '../budget';
import { ARCHIVE_READ_CHUNK, entryChunks, lent, lentBuffer, streamOf, type ArchiveEntry, type ArchiveWriter } from './entry';

/**
 * A gzip-compressed tar (`target_format=tgz`), streamed: a POSIX ustar header
 * per entry (a PAX header before it when the name is long or not ASCII), the
 * bytes, padding to 512, then gzip through the runtime's CompressionStream.
 * The compressed length is not known in advance.
 *
 * Memory: one read chunk and one header at a time, and the compressor: its
 * deflate state (zlib's default window and hash tables) and each piece of
 * output it hands back (made by the runtime, so charged as it arrives).
 */
const BLOCK = 512;
/** zlib's deflate state at its defaults (windowBits 15, memLevel 8): 128 KiB of window, 128 KiB of hash chains, and its structures. */
export const GZIP_STATE_BYTES = 264 * 1024;
const utf8 = new TextEncoder();

export function tgzArchive(entries: readonly ArchiveEntry[]): ArchiveWriter {
  const longestPax = Math.max(0, ...entries.map((e) => paxBlocks(e.name)));
  return {
    contentType: 'application/gzip',
    extension: 'tgz',
    length: null,
    // A read chunk with the compressor, the next being read, a header and its PAX record, and the compressor.
    peakBytes: GZIP_STATE_BYTES + 2 * ARCHIVE_READ_CHUNK + 2 * BLOCK + longestPax,
    chunks: (lease) => tgzChunks(entries, lease),
  };
}

async function* tgzChunks(entries: readonly ArchiveEntry[], lease: MemoryLease): AsyncGenerator<Uint8Array> {
  lease.charge(GZIP_STATE_BYTES, 'gzip compressor');
  const reader = streamOf(tarChunks(entries, lease))
    .pipeThrough(new CompressionStream('gzip'))
    .getReader() as ReadableStreamDefaultReader<Uint8Array>;
  let ended = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      lease.charge(next.value.length, 'gzip output');
      yield* lent(lease, next.value.length, next.value);
    }
    ended = true;
  } finally {
    if (!ended) await reader.cancel().catch(() => undefined);
    lease.credit(GZIP_STATE_BYTES);
  }
}

async function* tarChunks(entries: readonly ArchiveEntry[], lease: MemoryLease): AsyncGenerator<Uint8Array> {
  for (const entry of entries) {
    const name = utf8.encode(entry.name);
    const plain = name.length <= 100 && /^[\x20-\x7e]*$/.test(entry.name);
    if (!plain) yield* paxHeader(entry, lease);
    const shown = plain ? entry.name : entry.name.replace(/[^\x20-\x7e]/g, '_').slice(-100);
    yield* lentBuffer(lease, BLOCK, 'tar header', (out) => header(out, shown, entry.bytes, entry.modified, '0'));
    for await (const chunk of entryChunks(entry, lease)) yield chunk;
    const pad = (BLOCK - (entry.bytes % BLOCK)) % BLOCK;
    if (pad) yield* lentBuffer(lease, pad, 'tar padding', () => undefined);
  }
  yield* lentBuffer(lease, BLOCK * 2, 'tar end', () => undefined);
}

/** A PAX extended header holding the full UTF-8 path. */
async function* paxHeader(entry: ArchiveEntry, lease: MemoryLease): AsyncGenerator<Uint8Array> {
  const record = paxRecord('path', entry.name);
  yield* lentBuffer(lease, BLOCK, 'tar PAX header', (out) => header(out, 'PaxHeader', record.length, entry.modified, 'x'));
  yield* lentBuffer(lease, paxBlocks(entry.name), 'tar PAX record', (out) => out.set(record));
}

/** The PAX record of a name, padded to whole blocks (the peak counts it for every name, needed or not). */
function paxBlocks(name: string): number {
  return Math.ceil(paxRecord('path', name).length / BLOCK) * BLOCK;
}

/** `<length> <key>=<value>\n`, where the length counts itself. */
function paxRecord(key: string, value: string): Uint8Array {
  const rest = utf8.encode(` ${key}=${value}\n`).length;
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return utf8.encode(`${len} ${key}=${value}\n`);
}

function header(h: Uint8Array, name: string, size: number, modified: Date, type: '0' | 'x'): void {
  const put = (at: number, s: string) => h.set(utf8.encode(s), at);
  put(0, name);
  put(100, '0000644\0');
  put(108, '0000000\0');
  put(116, '0000000\0');
  put(124, octal(size, 11) + '\0');
  put(136, octal(Math.floor(modified.getTime() / 1000), 11) + '\0');
  put(148, '        ');
  put(156, type);
  put(257, 'ustar\0');
  put(263, '00');
  let sum = 0;
  for (const b of h) sum += b;
  put(148, octal(sum, 6) + '\0 ');
}

const octal = (n: number, width: number) => n.toString(8).padStart(width, '0');
