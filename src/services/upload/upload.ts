import { badRequest } from '../../errors';
import type { Env } from '../../config/env';
import type { CloudCredentials } from '../../config/clouds';
import { getSettings } from '../../config/settings';
import { configFrom } from '../../config/config';
import type { UrlBase } from '../../protocol/urls';
import { mimeFor } from '../../engine/sniff';
import { FrameCounter } from '../../engine/frame-count';
import { putOriginal } from '../../storage/assets';
import { getContext, getTags, isDeliverable, type ResourceRow } from '../../storage/resources';
import type { AssetRef } from '../../protocol/asset-ref';
import { invalidateAsset, purgeAsset } from '../cache/purge';
import { StagedFile } from './staging';
import { applyIncoming, generateEager, parseEager, parseIncoming } from './eager';
import { makeBreakpoints } from './breakpoints';
import { readableSource } from '../../engine/pdf/page-source';
import { checkTargetFormat, type UploadOptions } from './options';
import { inspectFile, type Inspected } from './inspect';
import { placementOf, uniqueDisplayName } from './placement';
import { assignMetadata, checkNewAssetMetadata, parseMetadataParam, withDefaults } from '../metadata/assign';
import { metadataAnswers } from '../metadata/answer';
import { choosePublicId } from './public-id';
import { baseName, extensionOf } from './source';
import { createDeleteToken } from '../../storage/delete-tokens';
import { uploadResult } from './result';
import { completeUpload } from '../jobs/upload-completion';
import { applyEval } from './eval';

/** Everything an upload needs to know about where it runs. */
export interface UploadContext {
  env: Env;
  cloud: CloudCredentials;
  base: UrlBase;
}

export interface ReceivedFile {
  file: StagedFile;
  /** The name the client gave the file (multipart filename, URL path), if any. */
  filename: string | null;
  sourceUrl?: string;
}

/**
 * Stores one received file as an asset: decides what it is from its bytes,
 * picks the public id, writes it through the asset service and answers with
 * Cloudinary's upload JSON.
 */
export async function storeUpload(
  ctx: UploadContext,
  requested: 'image' | 'raw' | 'auto',
  input: ReceivedFile,
  requestOptions: UploadOptions,
): Promise<Record<string, unknown>> {
  let o = requestOptions;
  const { env, cloud } = ctx;
  const limits = configFrom(env).limits;
  let info = await countPages(input.file, inspectFile(input.file, requested, input.filename, limits));
  // `format` converts an image on upload, which also admits a file that allowed_formats would refuse as it came.
  const convertTo = o.format && info.resourceType === 'image' && o.format !== info.format ? checkTargetFormat(o.format) : undefined;
  const allowed = (f: string | undefined) => !!f && o.allowedFormats.includes(f);
  if (o.allowedFormats.length && !allowed(info.format ?? '') && !allowed(convertTo)) {
    throw badRequest(`${info.resourceType === 'image' ? 'Image' : 'File'} format ${info.format ?? 'unknown'} not allowed`);
  }
  // These are parsed before anything is stored, so a malformed one stores nothing.
  let metadata = o.metadata ? await parseMetadataParam(env.DB, cloud.cloudName, o.metadata) : new Map<string, string[]>();
  const eager = parseEager(o.eager);
  const incomingText = [o.transformation, convertTo ? `f_${convertTo}` : ''].filter(Boolean).join('/');
  const incoming = incomingText ? parseIncoming(incomingText) : null;
  if ((eager.length || incoming) && info.resourceType !== 'image') throw badRequest('Transformations apply to images only');
  let file = input.file;
  // The engine must be able to read the file before it is stored for eager work (a truncated one, for one, it cannot).
  if (eager.length && !incoming) readableSource(await file.buffer());
  if (incoming) {
    const result = await applyIncoming(env, cloud.cloudName, await file.buffer(), incoming);
    file = await StagedFile.fromMemory(env.BUCKET, result.bytes);
    info = inspectFile(file, 'image', null, limits);
  }
  if (o.eval) {
    const before = o.metadata;
    o = await applyEval(o.eval, file, info, o, limits);
    if (o.metadata !== before) metadata = o.metadata ? await parseMetadataParam(env.DB, cloud.cloudName, o.metadata) : new Map();
  }
  const newMetadata = await withDefaults(env.DB, cloud.cloudName, metadata);
  await checkNewAssetMetadata(env.DB, cloud.cloudName, newMetadata);
  const nameForId = o.filenameOverride ?? input.filename;
  const settings = await getSettings(env.CONFIG, cloud.cloudName);
  const place = placementOf(o, settings.folder_mode, baseName(nameForId));
  const publicId = choosePublicId({
    publicId: o.publicId,
    folder: place.idFolder,
    useFilename: o.useFilename,
    uniqueFilename: o.uniqueFilename,
    filename: baseName(nameForId),
    rawExtension: info.resourceType === 'raw' ? extensionOf(nameForId) : null,
  });
  const ref: AssetRef = { cloud: cloud.cloudName, resourceType: info.resourceType, type: o.type, publicId };
  const { resource, overwritten, existing, previousVersion } = await putOriginal(env, {
    ref,
    body: await file.body(),
    bytes: file.bytes,
    etag: file.md5,
    contentType: mimeFor(info.format),
    format: info.format,
    width: info.width,
    height: info.height,
    pages: info.pages,
    overwrite: o.overwrite,
    backup: o.backup ?? settings.backup,
    tags: o.tags,
    context: o.context,
    accessMode: o.accessMode,
    originalFilename: o.discardOriginalFilename ? null : (baseName(nameForId) ?? 'file'),
    displayName: await uniqueDisplayName(env.DB, place, o.placement, ref),
    assetFolder: place.assetFolder,
    coordinates: o.coordinates ? JSON.stringify(o.coordinates) : null,
    accessControl: o.accessControl ?? null,
    sourceUrl: input.sourceUrl ?? null,
    moderation: o.background.moderation,
  });
  if (overwritten && o.invalidate && previousVersion !== null) await invalidateAsset(env, ref, { previousVersion });
  // Edge hits read no database: an overwrite that restricts who may see the asset takes every cached answer away, `invalidate` or not.
  if (overwritten && restricted(resource)) await purgeAsset(env, ref);
  const result = await uploadResult(resource, {
    base: ctx.base,
    apiSecret: cloud.apiSecret,
    tags: existing ? await getTags(env.DB, resource.id) : [...new Set(o.tags)],
    context: existing ? await getContext(env.DB, resource.id) : o.context,
    overwritten,
    existing,
  });
  if (!existing) await assignMetadata(env, cloud.cloudName, [resource.id], newMetadata);
  if (resource.access_control) result.access_control = JSON.parse(resource.access_control) as unknown;
  const answeredMetadata = (await metadataAnswers(env.DB, cloud.cloudName, [resource.id])).get(resource.id) ?? {};
  if (Object.keys(answeredMetadata).length) result.metadata = answeredMetadata;
  // With eager_async the queue makes them after the answer (src/services/jobs/eager.ts).
  const asyncEager = o.background.eagerAsync && !existing ? eager : [];
  if (eager.length && !existing && !o.background.eagerAsync)
    result.eager = await generateEager(env, ctx.base, resource, eager, await file.buffer());
  if (o.breakpoints.length && !existing && resource.resource_type === 'image')
    result.responsive_breakpoints = await makeBreakpoints(env, ctx.base, resource, await file.buffer(), o.breakpoints);
  if (o.returnDeleteToken && !existing) result.delete_token = await createDeleteToken(env.DB, ref);
  return completeUpload(env, { base: ctx.base, resource, result, options: o.background, asyncEager, kind: 'upload' });
}

const restricted = (r: ResourceRow) => r.access_mode !== 'public' || r.access_control !== null || !isDeliverable(r);

/**
 * An animated GIF or WebP longer than the sniffed head has its frames counted
 * over all of its bytes, so `pages` is right; the bytes stream past the counter,
 * which holds a few of them, so a long animation is never held whole here.
 */
async function countPages(file: StagedFile, info: Inspected): Promise<Inspected> {
  const format = info.format === 'gif' || info.format === 'webp' ? info.format : undefined;
  if (!format || (info.pages ?? 1) <= 1 || file.bytes <= file.head.length) return info;
  const counter = new FrameCounter(format);
  const body = await file.body();
  if (body instanceof Uint8Array) counter.push(body);
  else {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      counter.push(chunk);
      if (counter.done) break;
    }
  }
  return { ...info, pages: counter.pages };
}
