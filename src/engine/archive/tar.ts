import { entryChunks, streamOf, type ArchiveEntry, type ArchiveStream } from './entry';

/**
 * A gzip-compressed tar (`target_format=tgz`), streamed: a POSIX ustar header
 * per entry (a PAX header before it when the name is long or not ASCII), the
 * bytes, padding to 512, then gzip through the runtime's CompressionStream.
 * The compressed length is not known in advance.
 */
const BLOCK = 512;
const utf8 = new TextEncoder();

export function tgzArchive(entries: readonly ArchiveEntry[]): ArchiveStream {
  const tar = streamOf(tarChunks(entries));
  return {
    contentType: 'application/gzip',
    extension: 'tgz',
    length: null,
    body: tar.pipeThrough(new CompressionStream('gzip')) as ReadableStream<Uint8Array>,
  };
}

async function* tarChunks(entries: readonly ArchiveEntry[]): AsyncGenerator<Uint8Array> {
  for (const entry of entries) {
    const name = utf8.encode(entry.name);
    const plain = name.length <= 100 && /^[\x20-\x7e]*$/.test(entry.name);
    if (!plain) yield* paxHeader(entry);
    yield header(plain ? entry.name : entry.name.replace(/[^\x20-\x7e]/g, '_').slice(-100), entry.bytes, entry.modified, '0');
    for await (const chunk of entryChunks(entry)) yield chunk;
    const pad = (BLOCK - (entry.bytes % BLOCK)) % BLOCK;
    if (pad) yield new Uint8Array(pad);
  }
  yield new Uint8Array(BLOCK * 2);
}

/** A PAX extended header holding the full UTF-8 path. */
function* paxHeader(entry: ArchiveEntry): Generator<Uint8Array> {
  const record = paxRecord('path', entry.name);
  yield header('PaxHeader', record.length, entry.modified, 'x');
  const body = new Uint8Array(Math.ceil(record.length / BLOCK) * BLOCK);
  body.set(record);
  yield body;
}

/** `<length> <key>=<value>\n`, where the length counts itself. */
function paxRecord(key: string, value: string): Uint8Array {
  const rest = utf8.encode(` ${key}=${value}\n`).length;
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return utf8.encode(`${len} ${key}=${value}\n`);
}

function header(name: string, size: number, modified: Date, type: '0' | 'x'): Uint8Array {
  const h = new Uint8Array(BLOCK);
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
  return h;
}

const octal = (n: number, width: number) => n.toString(8).padStart(width, '0');
