import type { Raster } from '../raster';

/**
 * How an AVIF is cut into a grid of independently encoded tiles (a HEIF
 * `grid` derived image, ISO/IEC 23008-12 6.6.2.3, as phone HEICs are made), so
 * that the encoder's memory follows the tile, not the image: libavif + aom at
 * speed 8 encode up to 512x512 pixels inside the module's initial 16 MB heap
 * (measured: 400x300, 512x512, 534x490, 1022x256 and 256x1022 all stay at
 * 16.0 MB; 600x600 grows it to 19.3 MB, 1600x900 to 53.5 MB, 2500x1400 to
 * 108 MB). libavif, which Chrome and Safari decode AVIF with, and libheif
 * (sharp) read grids.
 */
export interface AvifGrid {
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
}

export const AVIF_TILE_MAX_PIXELS = 512 * 512;
/** The AVIF specification's smallest grid cell, and at most 256 cells a side (the grid's byte-sized counts). */
const MIN_TILE = 64;
const MAX_CELLS = 256;

const even = (n: number) => n + (n & 1);
/** Lexicographic: the first figure that differs decides. */
const better = (a: number[], b: number[]) => {
  const i = a.findIndex((v, k) => v !== b[k]);
  return i >= 0 && a[i] < b[i];
};

/**
 * The grid with the fewest tiles of at most AVIF_TILE_MAX_PIXELS each (fewer
 * tiles, smaller files), then the shortest seams, then the least padding; even sides
 * for 4:2:0 chroma, and no tile wholly outside the image (the grid crops its
 * right and bottom tiles). One tile when the image is that small; undefined
 * when no grid fits (a side under 64 pixels on a larger image).
 */
export function avifGrid(width: number, height: number): AvifGrid | undefined {
  if (width * height <= AVIF_TILE_MAX_PIXELS) return { columns: 1, rows: 1, tileWidth: width, tileHeight: height };
  let best: (AvifGrid & { score: number[] }) | undefined;
  for (let columns = 1; columns <= MAX_CELLS; columns++) {
    const tileWidth = even(Math.ceil(width / columns));
    if (tileWidth < MIN_TILE) break;
    const tallest = Math.floor(AVIF_TILE_MAX_PIXELS / tileWidth) & ~1;
    if ((columns - 1) * tileWidth >= width || tallest < MIN_TILE) continue;
    const rows = Math.ceil(height / tallest);
    const tileHeight = even(Math.ceil(height / rows));
    if (rows > MAX_CELLS || tileHeight < MIN_TILE || (rows - 1) * tileHeight >= height) continue;
    const tiles = columns * rows;
    const score = [tiles, (columns - 1) * height + (rows - 1) * width, tiles * tileWidth * tileHeight - width * height];
    if (!best || better(score, best.score)) best = { columns, rows, tileWidth, tileHeight, score };
  }
  return best && { columns: best.columns, rows: best.rows, tileWidth: best.tileWidth, tileHeight: best.tileHeight };
}

/** The raster's `w` x `h` pixels from (x0, y0), the last column and row repeated where the tile passes the image's edge. */
export function copyTile(img: Raster, x0: number, y0: number, w: number, h: number, out: Uint8Array): void {
  const inside = Math.min(w, img.width - x0);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(img.height - 1, y0 + y);
    const row = (sy * img.width + x0) * 4;
    out.set(img.data.subarray(row, row + inside * 4), y * w * 4);
    const last = out.subarray((y * w + inside - 1) * 4, (y * w + inside) * 4);
    for (let x = inside; x < w; x++) out.set(last, (y * w + x) * 4);
  }
}
