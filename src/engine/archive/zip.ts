import { badRequest } from '../../errors';
import { crc32 } from './crc32';
import type { MemoryLease } from '../budget';
import { ARCHIVE_READ_CHUNK, entryChunks, lentBuffer, type ArchiveEntry, type ArchiveWriter } from './entry';

/**
 * A ZIP writer that streams: entries are stored (images and most raw files are
 * compressed already), each checksummed as it passes and followed by a data
 * descriptor, so no entry is ever held whole. Its length is known before the
 * first byte, which lets a download carry `Content-Length`.
 *
 * Classic ZIP (no ZIP64): at most 65,535 entries and 4 GiB; larger selections
 * are refused before anything is read.
 *
 * Memory: one read chunk and one header at a time, plus the central
 * directory, which grows with the entry count and is held to the end: it is
 * charged whole before the first byte.
 */
const LOCAL_HEADER = 30;
const DATA_DESCRIPTOR = 16;
const CENTRAL_HEADER = 46;
const END_OF_CENTRAL_DIRECTORY = 22;
/** Bit 3: sizes and CRC follow the data; bit 11: names are UTF-8. */
const FLAGS = 0x0808;
const VERSION = 20;
const MAX_ENTRIES = 0xffff;
const MAX_OFFSET = 0xffffffff;

const utf8 = new TextEncoder();

interface Placed {
  entry: ArchiveEntry;
  name: Uint8Array;
  offset: number;
  crc: number;
}

/** The ZIP archive's exact size for these entries. */
export function zipLength(entries: readonly ArchiveEntry[]): number {
  let n = END_OF_CENTRAL_DIRECTORY;
  for (const e of entries) {
    const name = utf8.encode(e.name).length;
    n += LOCAL_HEADER + name + e.bytes + DATA_DESCRIPTOR + CENTRAL_HEADER + name;
  }
  return n;
}

/** What the central directory holds until the end: one record per entry (its name included) and the closing record. */
function zipDirectoryBytes(entries: readonly ArchiveEntry[]): number {
  let n = END_OF_CENTRAL_DIRECTORY;
  for (const e of entries) n += CENTRAL_HEADER + utf8.encode(e.name).length;
  return n;
}

export function zipArchive(entries: readonly ArchiveEntry[]): ArchiveWriter {
  if (entries.length > MAX_ENTRIES) throw badRequest(`An archive holds at most ${MAX_ENTRIES} files; ${entries.length} were selected`);
  const length = zipLength(entries);
  if (length > MAX_OFFSET) throw badRequest(`Archive too large. Got ${length} bytes. Maximum is ${MAX_OFFSET}.`);
  const longestName = Math.max(0, ...entries.map((e) => utf8.encode(e.name).length));
  const directory = zipDirectoryBytes(entries);
  return {
    contentType: 'application/zip',
    extension: 'zip',
    length,
    // A read chunk with the consumer, the next being read, and the largest header.
    peakBytes: directory + 2 * ARCHIVE_READ_CHUNK + CENTRAL_HEADER + longestName,
    chunks: (lease) => zipChunks(entries, lease, directory),
  };
}

async function* zipChunks(entries: readonly ArchiveEntry[], lease: MemoryLease, directory: number): AsyncGenerator<Uint8Array> {
  lease.charge(directory, 'ZIP central directory');
  try {
    const placed: Placed[] = [];
    let offset = 0;
    for (const entry of entries) {
      const p: Placed = { entry, name: utf8.encode(entry.name), offset, crc: 0 };
      yield* lentBuffer(lease, LOCAL_HEADER + p.name.length, 'ZIP local header', (out) => localHeader(p, out));
      offset += LOCAL_HEADER + p.name.length;
      for await (const chunk of entryChunks(entry, lease)) {
        p.crc = crc32(chunk, p.crc);
        yield chunk;
      }
      offset += entry.bytes;
      yield* lentBuffer(lease, DATA_DESCRIPTOR, 'ZIP data descriptor', (out) => dataDescriptor(p, out));
      offset += DATA_DESCRIPTOR;
      placed.push(p);
    }
    const centralStart = offset;
    for (const p of placed) {
      yield* lentBuffer(lease, CENTRAL_HEADER + p.name.length, 'ZIP central header', (out) => centralHeader(p, out));
      offset += CENTRAL_HEADER + p.name.length;
    }
    const count = placed.length;
    yield* lentBuffer(lease, END_OF_CENTRAL_DIRECTORY, 'ZIP end record', (out) =>
      endOfCentralDirectory(count, offset - centralStart, centralStart, out),
    );
  } finally {
    lease.credit(directory);
  }
}

function localHeader(p: Placed, out: Uint8Array): void {
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x04034b50, true);
  v.setUint16(4, VERSION, true);
  v.setUint16(6, FLAGS, true);
  v.setUint16(8, 0, true); // stored
  writeDosTime(v, 10, p.entry.modified);
  // CRC and sizes are zero here: the data descriptor after the bytes carries them.
  v.setUint16(26, p.name.length, true);
  out.set(p.name, LOCAL_HEADER);
}

function dataDescriptor(p: Placed, out: Uint8Array): void {
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x08074b50, true);
  v.setUint32(4, p.crc, true);
  v.setUint32(8, p.entry.bytes, true);
  v.setUint32(12, p.entry.bytes, true);
}

function centralHeader(p: Placed, out: Uint8Array): void {
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x02014b50, true);
  v.setUint16(4, VERSION, true);
  v.setUint16(6, VERSION, true);
  v.setUint16(8, FLAGS, true);
  v.setUint16(10, 0, true);
  writeDosTime(v, 12, p.entry.modified);
  v.setUint32(16, p.crc, true);
  v.setUint32(20, p.entry.bytes, true);
  v.setUint32(24, p.entry.bytes, true);
  v.setUint16(28, p.name.length, true);
  v.setUint32(42, p.offset, true);
  out.set(p.name, CENTRAL_HEADER);
}

function endOfCentralDirectory(count: number, size: number, start: number, out: Uint8Array): void {
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x06054b50, true);
  v.setUint16(8, count, true);
  v.setUint16(10, count, true);
  v.setUint32(12, size, true);
  v.setUint32(16, start, true);
}

/** MS-DOS time and date (UTC), the only timestamp classic ZIP headers hold. */
function writeDosTime(v: DataView, at: number, d: Date): void {
  const year = Math.min(Math.max(d.getUTCFullYear(), 1980), 2107);
  v.setUint16(at, (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1), true);
  v.setUint16(at + 2, ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(), true);
}
