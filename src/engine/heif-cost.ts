import { HEVC_DECODE_OPS, HEVC_PICTURE_BYTES } from './costs';
import type { HeifImage, HeifTile } from './heif-container';

/**
 * What a HEIC's coded pictures cost whatever is done with their rows: the
 * colour picture being converted (a tile, or the whole non-grid image) and,
 * with an alpha plane, the alpha picture alive beside it, each as large as
 * the largest SPS of its item codes (whatever `ispe` claims); the largest
 * tile stream of each (in JS and copied into the module); and the work of
 * decoding every coded pixel of both.
 */
export interface HeifPictureCost {
  bytes: number;
  ops: number;
}

const streamBytes = (tiles: HeifTile[]) =>
  Math.max(0, ...tiles.map((t) => t.extents.reduce((n, e) => n + e.end - e.start, t.config.length)));

export function heifPictureCost(heif: HeifImage, extent: { width: number; height: number }): HeifPictureCost {
  const coded = heif.coded ?? { width: heif.tileWidth, height: heif.tileHeight };
  const colourOps = Math.max(extent.width * extent.height, coded.width * coded.height * heif.tiles.length) * HEVC_DECODE_OPS;
  const colourBytes = coded.width * coded.height * HEVC_PICTURE_BYTES + 2 * streamBytes(heif.tiles);
  const alpha = heif.alpha;
  if (!alpha) return { bytes: colourBytes, ops: colourOps };
  const a = alpha.coded ?? { width: alpha.tileWidth, height: alpha.tileHeight };
  return {
    bytes: colourBytes + a.width * a.height * HEVC_PICTURE_BYTES + 2 * streamBytes(alpha.tiles),
    ops: colourOps + a.width * a.height * alpha.tiles.length * HEVC_DECODE_OPS,
  };
}
