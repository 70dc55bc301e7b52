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

/**
 * Bytes per sprite pixel while it is made: the RGBA canvas, photon's copy for
 * the PNG encoder and the encoder's rows and output, with room to spare.
 */
const SPRITE_BYTES_PER_PIXEL = 12;

/** The largest sprite (in pixels) one request may draw: within the output limit and the engine's memory. */
export const maxSpritePixels = (maxOutputPixels: number, engineMemoryBytes: number) =>
  Math.min(maxOutputPixels, Math.floor(engineMemoryBytes / SPRITE_BYTES_PER_PIXEL));
