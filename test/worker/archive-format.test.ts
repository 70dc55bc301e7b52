import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/engine/archive/crc32';
import { MemoryBudget } from '../../src/engine/budget';
import { streamOf, type ArchiveEntry, type ArchiveWriter } from '../../src/engine/archive/entry';
import { tgzArchive } from '../../src/engine/archive/tar';
import { zipArchive, zipLength } from '../../src/engine/archive/zip';

const utf8 = new TextEncoder();
const entry = (name: string, bytes: Uint8Array, announced = bytes.length): ArchiveEntry => ({
  name,
  source: name,
  bytes: announced,
  modified: new Date('2024-05-06T07:08:10Z'),
  open: async () => new Response(bytes).body!,
});
const readAll = async (s: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(s).arrayBuffer());
/** Streams a writer through a lease of its own pool; the lease must be back at zero when the stream is done. */
async function written(writer: ArchiveWriter): Promise<Uint8Array> {
  const lease = await new MemoryBudget(64 * 1024 * 1024).admit(writer.peakBytes, 'test archive');
  try {
    return await readAll(streamOf(writer.chunks(lease)));
  } finally {
    expect(lease.chargedBytes).toBe(0);
    expect(lease.peak).toBeGreaterThan(0);
    expect(lease.peak).toBeLessThanOrEqual(writer.peakBytes);
    lease.close();
  }
}

describe('archive formats', () => {
  it('computes CRC-32 as ZIP and gzip define it, in one go or piece by piece', () => {
    const check = utf8.encode('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32(check.subarray(4), crc32(check.subarray(0, 4)))).toBe(0xcbf43926);
    const long = new Uint8Array(100_003).map((_, i) => (i * 31) & 0xff);
    expect(crc32(long.subarray(50_001), crc32(long.subarray(0, 50_001)))).toBe(crc32(long));
  });

  it('writes a ZIP of exactly its announced length, with a central directory that points at each entry', async () => {
    const files = [entry('a/one.jpg', utf8.encode('first file')), entry('α/two.csv', new Uint8Array(70_000).fill(7))];
    const archive = zipArchive(files);
    const bytes = await written(archive);
    expect(bytes.length).toBe(archive.length);
    expect(bytes.length).toBe(zipLength(files));
    const v = new DataView(bytes.buffer);
    const eocd = bytes.length - 22;
    expect(v.getUint32(eocd, true)).toBe(0x06054b50);
    expect(v.getUint16(eocd + 10, true)).toBe(2);
    let at = v.getUint32(eocd + 16, true);
    for (const f of files) {
      expect(v.getUint32(at, true)).toBe(0x02014b50);
      const nameLength = v.getUint16(at + 28, true);
      expect(new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength))).toBe(f.name);
      const local = v.getUint32(at + 42, true);
      expect(v.getUint32(local, true)).toBe(0x04034b50);
      const data = local + 30 + nameLength;
      const content = bytes.subarray(data, data + f.bytes);
      expect(v.getUint32(at + 16, true)).toBe(crc32(content));
      expect(v.getUint32(data + f.bytes + 4, true)).toBe(crc32(content));
      at += 46 + nameLength;
    }
  });

  it('fails the stream when an entry delivers other bytes than announced, instead of writing a corrupt archive', async () => {
    const archive = zipArchive([entry('short.bin', new Uint8Array(10), 11)]);
    await expect(written(archive)).rejects.toThrow(/10 bytes instead of the 11 announced/);
  });

  it('writes a gzip tar with a PAX header for long and non-ASCII names', async () => {
    const longName = `${'folder/'.repeat(20)}über.png`;
    const content = utf8.encode('tar content');
    const archive = tgzArchive([entry(longName, content), entry('plain.txt', content)]);
    expect(archive.length).toBeNull();
    const tar = await readAll(new Response(await written(archive)).body!.pipeThrough(new DecompressionStream('gzip')));
    expect(tar.length % 512).toBe(0);
    const text = new TextDecoder().decode(tar);
    expect(text).toContain(` path=${longName}\n`);
    expect(tar[156]).toBe('x'.charCodeAt(0));
    const headerSum = (at: number) => tar.subarray(at, at + 512).reduce((n, b, i) => n + (i >= 148 && i < 156 ? 32 : b), 0);
    expect(parseInt(new TextDecoder().decode(tar.subarray(148, 154)), 8)).toBe(headerSum(0));
    expect(text).toContain('plain.txt');
    expect(tar.subarray(tar.length - 1024).every((b) => b === 0)).toBe(true);
  });
});
