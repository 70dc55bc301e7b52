import { badRequest } from '../../errors';
import type { Env } from '../../config/env';
import type { CloudCredentials } from '../../config/clouds';
import { randomId } from '../../auth/crypto';
import type { ArchiveEntry, ArchiveStream } from '../../engine/archive/entry';
import { tgzArchive } from '../../engine/archive/tar';
import { zipArchive } from '../../engine/archive/zip';
import type { UrlBase } from '../../protocol/urls';
import { putOriginal } from '../../storage/assets';
import { uploadKey } from '../../storage/keys';
import { Staging } from '../upload/staging';
import { uploadResult } from '../upload/result';
import type { ArchiveRequest } from './request';

/**
 * The largest archive: classic ZIP's 4 GiB, for tgz too (its input is
 * counted, as the compressed size is only known at the end).
 */
const MAX_ARCHIVE_BYTES = 0xffffffff;

export function writeArchive(req: ArchiveRequest, entries: readonly ArchiveEntry[]): ArchiveStream {
  if (req.targetFormat === 'zip') return zipArchive(entries);
  const input = entries.reduce((n, e) => n + e.bytes, 0);
  if (input > MAX_ARCHIVE_BYTES) throw badRequest(`Archive too large. Got ${input} bytes. Maximum is ${MAX_ARCHIVE_BYTES}.`);
  return tgzArchive(entries);
}

/** `attachment; filename=...` for a download of the archive. */
export function archiveDisposition(req: ArchiveRequest, archive: ArchiveStream): string {
  const base = (req.targetPublicId ?? 'download')
    .split('/')
    .pop()!
    .replace(/[^\w.-]+/g, '_');
  const name = base.endsWith(`.${archive.extension}`) ? base : `${base}.${archive.extension}`;
  return `attachment; filename="${name}"`;
}

/**
 * Create mode: the archive streams into an R2 multipart upload (parts of one
 * size, the last shorter: src/services/upload/staging.ts) and becomes a raw
 * asset through the asset service, like any upload. Memory stays at one part.
 */
export async function createArchive(
  env: Env,
  cloud: CloudCredentials,
  base: UrlBase,
  req: ArchiveRequest,
  entries: readonly ArchiveEntry[],
): Promise<Record<string, unknown>> {
  const archive = writeArchive(req, entries);
  const staging = Staging.start(env.BUCKET, uploadKey(cloud.cloudName, `archive-${randomId()}`), MAX_ARCHIVE_BYTES);
  let staged;
  try {
    for await (const chunk of archive.body as unknown as AsyncIterable<Uint8Array>) await staging.write(chunk);
    staged = await staging.finish();
  } catch (err) {
    await staging.abort();
    throw err;
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
    return { ...answer, resource_count: new Set(entries.map((e) => e.source)).size, file_count: entries.length };
  } finally {
    await staged.discard();
  }
}

const withExtension = (id: string, ext: string) => (id.toLowerCase().endsWith(`.${ext}`) ? id : `${id}.${ext}`);
