import type { Raster } from '../raster';
import type { Color } from '../types';
import { clamp255 } from './common';

/** One faded edge: which side, and over how many pixels. */
export interface FadeEdge {
  side: 'left' | 'right' | 'top' | 'bottom';
  length: number;
}

/**
 * `e_gradient_fade`: alpha rises linearly from 0 at the edge to 1 at `length`
 * pixels in. `symmetric` fades the opposite edge too; with `pad` the faded
 * pixels go towards the background colour instead of transparency (what
 * `symmetric_pad` does to an image padded with `b_`).
 */
export function gradientFade(img: Raster, edges: FadeEdge[], pad?: Color): Raster {
  const { width: w, height: h } = img;
  const data = img.data.slice();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let k = 1;
      for (const e of edges) {
        const d = e.side === 'left' ? x : e.side === 'right' ? w - 1 - x : e.side === 'top' ? y : h - 1 - y;
        if (d < e.length) k = Math.min(k, (d + 0.5) / e.length);
      }
      if (k >= 1) continue;
      const i = (y * w + x) * 4;
      if (pad) {
        data[i] = clamp255(pad.r + (data[i] - pad.r) * k);
        data[i + 1] = clamp255(pad.g + (data[i + 1] - pad.g) * k);
        data[i + 2] = clamp255(pad.b + (data[i + 2] - pad.b) * k);
      } else data[i + 3] = clamp255(data[i + 3] * k);
    }
  }
  return { data, width: w, height: h };
}
