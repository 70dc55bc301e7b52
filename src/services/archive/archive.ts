import { badRequest } from '../../errors';
import type { Env } from '../../config/env';
import type { CloudCredentials } from '../../config/clouds';
import { randomId } from '../../auth/crypto';
import { streamOf, type ArchiveEntry, type ArchiveWriter } from '../../engine/archive/entry';
import { tgzArchive } from '../../engine/archive/tar';
import { zipArchive } from '../../engine/archive/zip';
import type { UrlBase } from '../../protocol/urls';
import { putOriginal } from '../../storage/assets';
import { uploadKey } from '../../storage/keys';
import { PART_SIZE, Staging } from '../upload/staging';
import { uploadResult } from '../upload/result';
import { archiveLease, finishArchive, measured, type ArchiveMeasure } from './memory';
import { PartFiller } from './parts';
import type { ArchiveRequest } from './request';

/**
 * The largest archive: classic ZIP's 4 GiB, for tgz too (its input is
 * counted, as the compressed size is only known at the end).
 */
const MAX_ARCHIVE_BYTES = 0xffffffff;

export function writeArchive(req: ArchiveRequest, entries: readonly ArchiveEntry[]): ArchiveWriter {
  if (req.targetFormat === 'zip') return zipArchive(entries);
  const input = entries.reduce((n, e) => n + e.bytes, 0);
  if (input > MAX_ARCHIVE_BYTES) throw badRequest(`Archive too large. Got ${input} bytes. Maximum is ${MAX_ARCHIVE_BYTES}.`);
  return tgzArchive(entries);
}

/**
 * Download mode: the archive as a stream, its buffers admitted to the
 * isolate's memory budget before the answer starts (a refusal is still an
 * error answer) and charged while it streams.
 */
export async function downloadArchive(
  env: Env,
  writer: ArchiveWriter,
  entries: readonly ArchiveEntry[],
): Promise<ReadableStream<Uint8Array>> {
  const lease = await archiveLease(env, writer, 0);
  return streamOf(measured(writer.chunks(lease), lease, { mode: 'download', format: writer.extension, files: entries.length }));
}

/** `attachment; filename=...` for a download of the archive. */
export function archiveDisposition(req: ArchiveRequest, archive: ArchiveWriter): string {
  const base = (req.targetPublicId ?? 'download')
    .split('/')
    .pop()!
    .replace(/[^\w.-]+/g, '_');
  const name = base.endsWith(`.${archive.extension}`) ? base : `${base}.${archive.extension}`;
  return `attachment; filename="${name}"`;
}

/** A stored archive's answer, and what making it held and wrote. */
export interface CreatedArchive {
  answer: Record<string, unknown>;
  measure: ArchiveMeasure;
}

/**
 * Create mode: the archive streams into an R2 multipart upload (parts of one
 * size, the last shorter: src/services/upload/staging.ts) and becomes a raw
 * asset through the asset service, like any upload. Memory stays at one part
 * (./parts.ts) besides the writer's own buffers, all charged to one lease.
 */
export async function createArchive(
  env: Env,
  cloud: CloudCredentials,
  base: UrlBase,
  req: ArchiveRequest,
  entries: readonly ArchiveEntry[],
): Promise<CreatedArchive> {
  const archive = writeArchive(req, entries);
  const lease = await archiveLease(env, archive, PART_SIZE);
  const staging = Staging.start(env.BUCKET, uploadKey(cloud.cloudName, `archive-${randomId()}`), MAX_ARCHIVE_BYTES);
  const parts = new PartFiller(staging, lease);
  let bytes = 0;
  let staged;
  let measure: ArchiveMeasure;
  try {
    for await (const chunk of archive.chunks(lease)) {
      bytes += chunk.length;
      await parts.write(chunk);
    }
    staged = await parts.finish();
  } catch (err) {
    parts.release();
    await staging.abort();
    throw err;
  } finally {
    measure = finishArchive(lease, { mode: 'create', format: archive.extension, files: entries.length }, bytes);
  }
  try {
    const publicId = withExtension(req.targetPublicId ?? randomId(20).toLowerCase(), archive.extension);
    const { resource } = await putOriginal(env, {
      ref: { cloud: cloud.cloudName, resourceType: 'raw', type: 'upload', publicId },
      body: await staged.body(),
      bytes: staged.bytes,
      etag: staged.md5,
      contentType: archive.contentType,
      format: archive.extension,
      overwrite: true,
      tags: req.targetTags,
      assetFolder: req.targetAssetFolder,
    });
    const answer = await uploadResult(resource, { base, apiSecret: cloud.apiSecret, tags: [...new Set(req.targetTags)], context: {} });
    return {
      answer: { ...answer, resource_count: new Set(entries.map((e) => e.source)).size, file_count: entries.length },
      measure,
    };
  } finally {
    await staged.discard();
  }
}

const withExtension = (id: string, ext: string) => (id.toLowerCase().endsWith(`.${ext}`) ? id : `${id}.${ext}`);
