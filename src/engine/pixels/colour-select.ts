import type { Raster } from '../raster';
import type { Color } from '../types';
import { clamp255 } from './common';
import { fillFromEdges } from './edge-fill';

/**
 * Effects that pick pixels by colour: `e_make_transparent` and
 * `e_replace_color`. Tolerance is a percentage of the largest possible RGB
 * distance (black to white), so 0 matches the colour exactly.
 */

const MAX_DISTANCE = Math.sqrt(3) * 255;
const distance = (d: Uint8Array, i: number, c: Color) => Math.hypot(d[i] - c.r, d[i + 1] - c.g, d[i + 2] - c.b);

/**
 * With `co_`: every pixel within tolerance of the colour becomes transparent.
 * Without: the background, found as the pixels connected to the image's edge
 * whose colour is within tolerance of the top-left corner's (so a white
 * subject on a white background keeps its inside).
 */
export function makeTransparent(img: Raster, tolerance: number, color?: Color): Raster {
  const { width: w, height: h } = img;
  const data = img.data.slice();
  const limit = (tolerance / 100) * MAX_DISTANCE;
  if (color) {
    for (let i = 0; i < data.length; i += 4) if (distance(data, i, color) <= limit) data[i + 3] = 0;
    return { data, width: w, height: h };
  }
  const key: Color = { r: data[0], g: data[1], b: data[2], a: 255 };
  const background = fillFromEdges(w, h, (p) => distance(data, p * 4, key) <= limit);
  for (let p = 0; p < w * h; p++) if (background[p]) data[p * 4 + 3] = 0;
  return { data, width: w, height: h };
}

/** The most common colour, by 4-bit-per-channel buckets (averaged within the winning bucket). */
function predominantColor(img: Raster): Color {
  const counts = new Uint32Array(4096);
  const sums = new Float64Array(4096 * 3);
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] < 128) continue;
    const k = ((d[i] >> 4) << 8) | ((d[i + 1] >> 4) << 4) | (d[i + 2] >> 4);
    counts[k]++;
    sums[k * 3] += d[i];
    sums[k * 3 + 1] += d[i + 1];
    sums[k * 3 + 2] += d[i + 2];
  }
  let best = 0;
  for (let k = 1; k < 4096; k++) if (counts[k] > counts[best]) best = k;
  const n = counts[best] || 1;
  return { r: Math.round(sums[best * 3] / n), g: Math.round(sums[best * 3 + 1] / n), b: Math.round(sums[best * 3 + 2] / n), a: 255 };
}

/**
 * `e_replace_color:<to>[:<tolerance>][:<from>]`: pixels within tolerance of
 * `from` (the predominant colour when not given) move by (to - from), so their
 * shading stays; the move fades out over the last quarter of the tolerance to
 * avoid a hard seam.
 */
export function replaceColor(img: Raster, to: Color, tolerance: number, from?: Color): Raster {
  const source = from ?? predominantColor(img);
  const limit = (tolerance / 100) * MAX_DISTANCE;
  const soft = limit * 0.75;
  const data = img.data.slice();
  const dr = to.r - source.r;
  const dg = to.g - source.g;
  const db = to.b - source.b;
  for (let i = 0; i < data.length; i += 4) {
    const d = distance(data, i, source);
    if (d > limit) continue;
    const k = d <= soft ? 1 : (limit - d) / (limit - soft);
    data[i] = clamp255(data[i] + dr * k);
    data[i + 1] = clamp255(data[i + 1] + dg * k);
    data[i + 2] = clamp255(data[i + 2] + db * k);
  }
  return { data, width: img.width, height: img.height };
}
