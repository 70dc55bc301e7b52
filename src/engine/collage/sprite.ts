import { decodePngReduced } from '../codecs/png-rows';
import { encodeRaster } from '../encode';
import { blank, drawInto, TRANSPARENT } from '../raster';

/** Where one image sits in a sprite, in pixels of the sprite. */
export interface SpriteBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The sprite's layout: images stacked top to bottom at the left edge, as Cloudinary lays them out. */
export function spriteLayout(sizes: readonly { width: number; height: number }[]): { width: number; height: number; boxes: SpriteBox[] } {
  let y = 0;
  const boxes = sizes.map((s) => {
    const box = { x: 0, y, width: s.width, height: s.height };
    y += s.height;
    return box;
  });
  return { width: Math.max(1, ...sizes.map((s) => s.width)), height: Math.max(1, y), boxes };
}

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
