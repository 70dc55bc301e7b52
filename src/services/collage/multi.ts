import { badRequest } from '../../errors';
import { configFrom } from '../../config/config';
import type { Params } from '../../protocol/params';
import { animationOfFrames } from '../../engine/collage/animation';
import { pdfOfPages } from '../../engine/collage/pdf';
import type { AnimatedFormat } from '../../engine/animation/writers';
import type { UploadContext } from '../upload/upload';
import type { ResourceRow } from '../../storage/resources';
import { renderJpeg, renderPng, splitTransformation, taggedImages } from './tagged';
import { storeGenerated } from './store';

const MULTI_FORMATS: Record<string, AnimatedFormat> = { gif: 'gif', webp: 'webp' };

/**
 * `uploader.multi`: an animated GIF or WebP, or a PDF, of the images with the
 * tag, one frame (page) each in public id order, stored as `image/multi/<tag>`.
 */
export async function createMulti(ctx: UploadContext, params: Params): Promise<Record<string, unknown>> {
  const tag = params.string('tag');
  const { components, format = 'gif', delay } = splitTransformation(params.string('transformation'));
  if (params.has('urls')) throw badRequest('multi from urls is not supported: tag the images instead');
  const animated = MULTI_FORMATS[format];
  if (!animated && format !== 'pdf') throw badRequest(`Invalid format ${format} for multi: use gif, webp or pdf`);
  const rows = await taggedImages(ctx.env, ctx.cloud.cloudName, tag);
  const bytes = animated ? await animation(ctx, rows, components, animated, delay) : await pdf(ctx, rows, components);
  const stored = await storeGenerated(ctx, params, { type: 'multi', resourceType: 'image', publicId: tag!, bytes });
  return { url: stored.url, secure_url: stored.secure_url, public_id: stored.public_id, version: stored.version };
}

/** The first image (after the transformation) sets the size; the others are padded into it. */
async function animation(
  ctx: UploadContext,
  rows: ResourceRow[],
  components: string[],
  format: AnimatedFormat,
  delay: number | undefined,
): Promise<Uint8Array> {
  const first = await renderPng(ctx.env, rows[0], components);
  const size = { width: first.width, height: first.height };
  const maxPixels = configFrom(ctx.env).limits.maxOutputPixels;
  if (rows.length * size.width * size.height > maxPixels)
    throw badRequest(
      `Animation too large: ${rows.length} frames of ${size.width}x${size.height}, at most ${maxPixels} pixels in all (MAX_OUTPUT_PIXELS)`,
    );
  const pad = `c_pad,w_${size.width},h_${size.height}`;
  async function* frames() {
    yield first.bytes;
    for (const row of rows.slice(1)) yield (await renderPng(ctx.env, row, [...components, pad])).bytes;
  }
  return animationOfFrames(frames(), size, format, delay);
}

/** Every image (after the transformation) is a page of its own size, rendered as a JPEG one at a time. */
function pdf(ctx: UploadContext, rows: ResourceRow[], components: string[]): Promise<Uint8Array> {
  async function* pages() {
    for (const row of rows) yield (await renderJpeg(ctx.env, row, components)).bytes;
  }
  return pdfOfPages(pages(), configFrom(ctx.env).limits);
}
