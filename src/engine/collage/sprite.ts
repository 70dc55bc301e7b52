import { decodePngReduced } from '../codecs/png-rows';
import { encodeRaster } from '../encode';
import { blank, drawInto, TRANSPARENT } from '../raster';
import type { SpriteBox } from './layout';

/** The sprite PNG: each image (PNG bytes) drawn into its box, one decoded at a time. */
export async function drawSprite(
  layout: { width: number; height: number; boxes: readonly SpriteBox[] },
  images: AsyncIterable<Uint8Array>,
): Promise<Uint8Array> {
  const canvas = blank(layout.width, layout.height, TRANSPARENT);
  let i = 0;
  for await (const png of images) {
    const box = layout.boxes[i++];
    drawInto(canvas, await decodePngReduced(png, 1), box.x, box.y);
  }
  return encodeRaster({
    img: canvas,
    resolved: { format: 'png', quality: 100, lossless: true, dpr: 1 },
    flags: new Set(),
    background: TRANSPARENT,
    metadata: {},
  });
}
