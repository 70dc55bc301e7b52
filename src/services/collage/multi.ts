import { badRequest } from '../../errors';
import { configFrom } from '../../config/config';
import type { Params } from '../../protocol/params';
import { animationOfFrames } from '../../engine/collage/animation';
import type { AnimatedFormat } from '../../engine/animation/writers';
import type { UploadContext } from '../upload/upload';
import { renderPng, splitTransformation, taggedImages } from './tagged';
import { storeGenerated } from './store';

const MULTI_FORMATS: Record<string, AnimatedFormat> = { gif: 'gif', webp: 'webp' };

/**
 * `uploader.multi`: an animated GIF or WebP of the images with the tag, one
 * frame each in public id order, stored as `image/multi/<tag>`. The first
 * image (after the transformation) sets the size; the others are padded into it.
 */
export async function createMulti(ctx: UploadContext, params: Params): Promise<Record<string, unknown>> {
  const tag = params.string('tag');
  const { components, format = 'gif', delay } = splitTransformation(params.string('transformation'));
  if (params.has('urls')) throw badRequest('multi from urls is not supported: tag the images instead');
  if (format === 'pdf') throw badRequest('multi to PDF is not supported: use format gif or webp');
  const animated = MULTI_FORMATS[format];
  if (!animated) throw badRequest(`Invalid format ${format} for multi: use gif or webp`);
  const rows = await taggedImages(ctx.env, ctx.cloud.cloudName, tag);
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
  const bytes = await animationOfFrames(frames(), size, animated, delay);
  const stored = await storeGenerated(ctx, params, { type: 'multi', resourceType: 'image', publicId: tag!, bytes });
  return { url: stored.url, secure_url: stored.secure_url, public_id: stored.public_id, version: stored.version };
}
