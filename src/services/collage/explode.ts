import { badRequest, notFound } from '../../errors';
import { inspectSource } from '../../engine/inspect';
import { isPdf, pdfPageCount } from '../../engine/pdf/reader';
import { randomId } from '../../auth/crypto';
import type { Params } from '../../protocol/params';
import { getSettings } from '../../config/settings';
import { getResource, refOf } from '../../storage/resources';
import type { EagerJob } from '../jobs/messages';
import type { UploadContext } from '../upload/upload';
import { oneOf, STORAGE_TYPES } from '../upload/options';
import { MAX_COMBINED_IMAGES } from './tagged';

/** The eager transformations one queue job carries (parseEager's own limit). */
const PAGES_PER_JOB = 10;
const ALL_PAGES = /(^|[,/])pg_all(?=$|[,/])/;

/**
 * `uploader.explode`: every page (frame) of an image becomes the derived
 * image `pg_<n>` of the transformation, made on the queue like asynchronous
 * eager transformations (one batch id, a notification per job of ten pages).
 */
export async function explode(ctx: UploadContext, params: Params): Promise<Record<string, unknown>> {
  const publicId = params.string('public_id');
  if (!publicId) throw badRequest('Missing required parameter - public_id');
  const transformation = params.string('transformation') ?? '';
  if (!ALL_PAGES.test(transformation)) throw badRequest('Explode requires a transformation with page "all" (pg_all)');
  const ref = { cloud: ctx.cloud.cloudName, resourceType: 'image', type: oneOf(params, 'type', STORAGE_TYPES, 'upload'), publicId };
  const resource = await getResource(ctx.env.DB, ref);
  if (!resource) throw notFound(`Resource not found - ${publicId}`);
  // Counted from the file itself: the page count recorded at upload is read from its first bytes only.
  const original = await ctx.env.BUCKET.get(resource.r2_key);
  if (!original) throw notFound(`Resource not found - ${publicId}`);
  const bytes = new Uint8Array(await original.arrayBuffer());
  const pages = isPdf(bytes) ? pdfPageCount(bytes) : inspectSource(bytes).pages;
  if (pages > MAX_COMBINED_IMAGES) throw badRequest(`Too many pages to explode: ${pages}, at most ${MAX_COMBINED_IMAGES}`);
  const format = (params.string('format') ?? '').toLowerCase().replace(/^\./, '');
  if (format && !/^[a-z0-9]{1,10}$/.test(format)) throw badRequest(`Invalid format ${format}`);
  const items = Array.from({ length: pages }, (_, i) => {
    const t = transformation.replace(ALL_PAGES, `$1pg_${i + 1}`);
    return format ? `${t}/${format}` : t;
  });
  const notificationUrl = params.string('notification_url') ?? (await getSettings(ctx.env.CONFIG, ref.cloud)).notification_url ?? null;
  const batchId = randomId(32);
  for (let i = 0; i < items.length; i += PAGES_PER_JOB) {
    const job: EagerJob = {
      kind: 'eager',
      ref: refOf(resource),
      version: resource.version,
      eager: items.slice(i, i + PAGES_PER_JOB),
      notificationUrl,
      batchId,
      base: ctx.base,
    };
    await ctx.env.JOBS.send(job, { contentType: 'json' });
  }
  return { status: 'processing', batch_id: batchId };
}
