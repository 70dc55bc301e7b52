import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { signParams } from '../../src/auth/api-signature';
import { configFrom } from '../../src/config/config';
import { engineMemory } from '../../src/engine/budget';
import { zipArchive } from '../../src/engine/archive/zip';
import { crc32 } from '../../src/engine/archive/crc32';
import { ARCHIVE_READ_CHUNK } from '../../src/engine/archive/entry';
import { GZIP_STATE_BYTES } from '../../src/engine/archive/tar';
import { archiveLease, archiveStats, type ArchiveMeasure } from '../../src/services/archive/memory';
import { PART_SIZE } from '../../src/services/upload/staging';
import { putOriginal } from '../../src/storage/assets';
import { uid } from './support/fixtures';

/**
 * "Flat memory" as the archive code measures it: the high-water mark of the
 * buffers charged to its lease is the same for 6 MB and 48 MB of originals,
 * below a bound made of the part size and the read chunk size, in both modes.
 */
const DEMO = { key: '123456789012345', secret: 'local-dev-secret' };
const MiB = 1024 * 1024;
const FILES = 6;
const utf8 = new TextEncoder();

/** Deterministic bytes (xorshift32) that do not compress, regenerated for the comparison instead of kept. */
function content(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const words = new Uint32Array(out.buffer, 0, length >> 2);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return out;
}

const fileName = (i: number) => `part-${i}.bin`;

/** Stores FILES raw originals of `size` bytes each under one tag; returns the tag. */
async function storeSet(size: number, seed: number): Promise<string> {
  const tag = uid('archmem');
  for (let i = 0; i < FILES; i++) {
    const bytes = content(seed + i, size);
    const etag = Array.from(new Uint8Array(await crypto.subtle.digest('MD5', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
    await putOriginal(env, {
      ref: { cloud: 'demo', resourceType: 'raw', type: 'upload', publicId: `${tag}/${fileName(i)}` },
      body: bytes,
      bytes: bytes.length,
      etag,
      contentType: 'application/octet-stream',
      format: 'bin',
      overwrite: true,
      tags: [tag],
    });
  }
  return tag;
}

async function generateArchive(fields: Record<string, string>): Promise<Response> {
  const all = { ...fields, timestamp: String(Math.floor(Date.now() / 1000)) };
  const body = new FormData();
  for (const [k, v] of Object.entries({ ...all, signature: await signParams(all, DEMO.secret), api_key: DEMO.key })) body.set(k, v);
  return SELF.fetch('http://w/v1_1/demo/raw/generate_archive', { method: 'POST', body });
}

/** The entries of a ZIP, found through its central directory, each checked against its CRC. */
function unzip(bytes: Uint8Array): Map<string, Uint8Array> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = bytes.length - 22;
  expect(v.getUint32(eocd, true)).toBe(0x06054b50);
  const out = new Map<string, Uint8Array>();
  let at = v.getUint32(eocd + 16, true);
  for (let n = v.getUint16(eocd + 10, true); n > 0; n--) {
    expect(v.getUint32(at, true)).toBe(0x02014b50);
    const nameLength = v.getUint16(at + 28, true);
    const size = v.getUint32(at + 24, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const local = v.getUint32(at + 42, true);
    const data = local + 30 + v.getUint16(local + 26, true);
    const file = bytes.subarray(data, data + size);
    expect(crc32(file), name).toBe(v.getUint32(at + 16, true));
    out.set(name, file);
    at += 46 + nameLength;
  }
  return out;
}

/** The files of a gzip tar (plain ustar headers: the names here are short ASCII). */
async function untgz(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const tar = new Uint8Array(await new Response(new Response(bytes).body!.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  const out = new Map<string, Uint8Array>();
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0;) {
    const name = new TextDecoder().decode(tar.subarray(at, at + 100)).replace(/\0.*$/s, '');
    const size = parseInt(new TextDecoder().decode(tar.subarray(at + 124, at + 135)), 8);
    out.set(name, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function expectOriginals(files: Map<string, Uint8Array>, size: number, seed: number): void {
  expect([...files.keys()].sort()).toEqual(Array.from({ length: FILES }, (_, i) => fileName(i)).sort());
  for (let i = 0; i < FILES; i++) {
    const got = files.get(fileName(i))!;
    expect(got.length).toBe(size);
    // Byte for byte, without an expectation per byte.
    expect(bytesEqual(got, content(seed + i, size)), fileName(i)).toBe(true);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads the Server-Timing metric `name` of an answer into its figures. */
function timing(res: Response, name: string): Record<string, string> | null {
  const metric = (res.headers.get('Server-Timing') ?? '').split(', ').find((m) => m.startsWith(`${name};`));
  if (!metric) return null;
  return Object.fromEntries(
    metric
      .split(';')
      .slice(1)
      .map((p) => p.split('=') as [string, string]),
  );
}

/**
 * What the archive's buffers may hold at most, from the sizes that make them:
 * the read chunk the consumer has and the one being read, the largest header,
 * the central directory (ZIP) or the compressor and one piece of its output (tgz),
 * and in create mode the multipart part.
 */
function bound(format: 'zip' | 'tgz', mode: 'create' | 'download'): number {
  const longest = Math.max(...Array.from({ length: FILES }, (_, i) => utf8.encode(fileName(i)).length));
  const directory = 22 + Array.from({ length: FILES }, (_, i) => 46 + utf8.encode(fileName(i)).length).reduce((a, b) => a + b, 0);
  const writer = format === 'zip' ? directory + 46 + longest : GZIP_STATE_BYTES + 2 * 512 + ARCHIVE_READ_CHUNK;
  return writer + 2 * ARCHIVE_READ_CHUNK + (mode === 'create' ? PART_SIZE : 0);
}

async function archiveOf(
  tag: string,
  format: 'zip' | 'tgz',
  mode: 'create' | 'download',
): Promise<{ bytes: Uint8Array; measure: ArchiveMeasure }> {
  const res = await generateArchive({ tags: tag, target_format: format, flatten_folders: 'true', mode });
  expect(res.status, res.headers.get('X-Cld-Error') ?? '').toBe(200);
  if (mode === 'download') {
    const bytes = new Uint8Array(await res.arrayBuffer());
    const measure = archiveStats.last!;
    expect(measure).toMatchObject({ mode, format, files: FILES, bytes: bytes.length });
    return { bytes, measure };
  }
  const answer = (await res.json()) as { secure_url: string; bytes: number };
  const measure = archiveStats.last!;
  expect(measure).toMatchObject({ mode, format, files: FILES, bytes: answer.bytes });
  // The answer says the same through Server-Timing (SERVER_TIMING=true in tests).
  expect(timing(res, 'archive')).toMatchObject({ files: String(FILES), bytes: String(answer.bytes), peak: String(measure.peakBytes) });
  const stored = await SELF.fetch(`http://w${new URL(answer.secure_url).pathname}`);
  expect(stored.status).toBe(200);
  return { bytes: new Uint8Array(await stored.arrayBuffer()), measure };
}

describe('archive memory: the high-water mark of its buffers does not grow with the archive', () => {
  const SMALL = 1 * MiB;
  const LARGE = 8 * MiB;
  let small = '';
  let large = '';
  beforeAll(async () => {
    small = await storeSet(SMALL, 100);
    large = await storeSet(LARGE, 200);
  }, 120_000);

  for (const format of ['zip', 'tgz'] as const) {
    for (const mode of ['download', 'create'] as const) {
      it(`${format}, ${mode}: 6 MB and 48 MB of originals peak alike, below the part and chunk bound, and unpack to the originals`, async () => {
        const a = await archiveOf(small, format, mode);
        const b = await archiveOf(large, format, mode);
        const unpack = format === 'zip' ? async (x: Uint8Array) => unzip(x) : untgz;
        expectOriginals(await unpack(a.bytes), SMALL, 100);
        expectOriginals(await unpack(b.bytes), LARGE, 200);
        const limit = bound(format, mode);
        console.log(
          `${format} ${mode}: peak ${a.measure.peakBytes} B for ${a.measure.bytes} B, ${b.measure.peakBytes} B for ${b.measure.bytes} B (bound ${limit} B)`,
        );
        expect(b.measure.bytes).toBeGreaterThan(7 * a.measure.bytes);
        expect(a.measure.peakBytes).toBeGreaterThan(0);
        expect(b.measure.peakBytes).toBeLessThanOrEqual(limit);
        expect(a.measure.peakBytes).toBeLessThanOrEqual(limit);
        // Equal within one header's worth: nothing that grows with the bytes is held.
        expect(Math.abs(b.measure.peakBytes - a.measure.peakBytes)).toBeLessThanOrEqual(1024);
      }, 180_000);
    }
  }
});

describe('archive admission', () => {
  it('refuses an archive whose buffers can never fit the memory budget, naming the variable', async () => {
    const entry = { name: 'a.bin', source: 'a', bytes: 1, modified: new Date(0), open: async () => new Response('x').body! };
    const small = { ...env, ENGINE_MEMORY_MB: '4' };
    try {
      const writer = zipArchive([entry]);
      const need = ((writer.peakBytes + PART_SIZE) / MiB).toFixed(1);
      await expect(archiveLease(small, writer, PART_SIZE)).rejects.toThrow(
        `Archive too large for the memory budget: its buffers need ${need} MB, the memory budget is 4.0 MB per isolate (ENGINE_MEMORY_MB)`,
      );
      // The download alone (no part) fits.
      (await archiveLease(small, writer, 0)).close();
    } finally {
      engineMemory(configFrom(env).limits.engineMemoryBytes);
    }
  });
});

describe('archive entry cap', () => {
  it('refuses more than 1,000 files (Cloudinary’s limit) before any archive buffer is charged', async () => {
    const tag = uid('archcap');
    const finished = archiveStats.finished;
    for (let i = 0; i < 1001; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, 1001 - i) }, (_, j) =>
          putOriginal(env, {
            ref: { cloud: 'demo', resourceType: 'raw', type: 'upload', publicId: `${tag}/f${i + j}.txt` },
            body: utf8.encode('x'),
            bytes: 1,
            etag: '9dd4e461268c8034f5c8564e155c67a6',
            contentType: 'text/plain',
            format: 'txt',
            overwrite: true,
            tags: [tag],
          }),
        ),
      );
    }
    for (const mode of ['download', 'create']) {
      const res = await generateArchive({ tags: tag, mode });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Too many files for one archive (maximum 1000)');
    }
    expect(archiveStats.finished).toBe(finished);
  }, 120_000);
});
