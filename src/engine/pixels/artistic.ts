import type { Raster } from '../raster';
import { clamp255, luma } from './common';
import { blurDirect } from './filter';
import { grayscale } from './tone';

/**
 * Cloudinary's own artistic effects, as documented approximations (their
 * exact algorithms are not published): `e_cartoonify`, `e_oil_paint`.
 * docs/effects.md lists the properties the tests hold them to.
 */

/** Sobel gradient magnitude of the luma, scaled to about the luma's change per pixel. */
function edges(img: Raster): Float32Array {
  const { width: w, height: h, data } = img;
  const y = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) y[i] = luma(data[i * 4], data[i * 4 + 1], data[i * 4 + 2]);
  const out = new Float32Array(w * h);
  const at = (x: number, yy: number) => y[Math.min(h - 1, Math.max(0, yy)) * w + Math.min(w - 1, Math.max(0, x))];
  for (let yy = 0; yy < h; yy++) {
    for (let x = 0; x < w; x++) {
      const gx = at(x + 1, yy - 1) + 2 * at(x + 1, yy) + at(x + 1, yy + 1) - at(x - 1, yy - 1) - 2 * at(x - 1, yy) - at(x - 1, yy + 1);
      const gy = at(x - 1, yy + 1) + 2 * at(x, yy + 1) + at(x + 1, yy + 1) - at(x - 1, yy - 1) - 2 * at(x, yy - 1) - at(x + 1, yy - 1);
      out[yy * w + x] = Math.hypot(gx, gy) / 8;
    }
  }
  return out;
}

/**
 * `e_cartoonify[:<line strength>][:<colour reduction>|bw]`: a light blur,
 * colours posterised to fewer levels as the reduction rises (16 levels per
 * channel at 0, 2 at 100), and black lines where the gradient is steep (more
 * lines as the line strength rises; none at 0). `bw` posterises the luma.
 */
export function cartoonify(img: Raster, lineStrength: number, colorReduction: number, bw: boolean): Raster {
  const soft = blurDirect(bw ? grayscale(img) : img, 1.2);
  const levels = Math.max(2, Math.round(16 - (colorReduction / 100) * 14));
  const step = 255 / (levels - 1);
  const grad = lineStrength > 0 ? edges(soft) : undefined;
  // Strength 100 draws lines where the smoothed luma changes by 2 a pixel (soft edges too), 1 only at the hardest edges (32).
  const threshold = 2 + (1 - lineStrength / 100) * 30;
  const s = soft.data;
  const data = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i += 4) {
    const line = grad && grad[i >> 2] > threshold;
    for (let c = 0; c < 3; c++) data[i + c] = line ? 0 : clamp255(Math.round(s[i + c] / step) * step);
    data[i + 3] = img.data[i + 3];
  }
  return { data, width: img.width, height: img.height };
}

/** The oil-paint brush radius for a strength 0-100: 1-6 px. */
export const oilRadius = (strength: number) => 1 + Math.round(strength / 20);
const INTENSITY_LEVELS = 20;

/**
 * `e_oil_paint[:<strength>]`: the classic intensity-mode filter: each pixel
 * takes the mean colour of the most common intensity level within the brush
 * radius, so areas flatten into strokes while edges stay hard.
 */
export function oilPaint(img: Raster, strength: number): Raster {
  const { width: w, height: h, data: s } = img;
  const r = oilRadius(strength);
  const level = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++)
    level[i] = Math.min(INTENSITY_LEVELS - 1, Math.floor((luma(s[i * 4], s[i * 4 + 1], s[i * 4 + 2]) * INTENSITY_LEVELS) / 256));
  const count = new Uint32Array(INTENSITY_LEVELS);
  const sum = new Float64Array(INTENSITY_LEVELS * 3);
  const data = new Uint8Array(s.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      count.fill(0);
      sum.fill(0);
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
          const p = yy * w + xx;
          const l = level[p];
          count[l]++;
          sum[l * 3] += s[p * 4];
          sum[l * 3 + 1] += s[p * 4 + 1];
          sum[l * 3 + 2] += s[p * 4 + 2];
        }
      }
      let best = 0;
      for (let l = 1; l < INTENSITY_LEVELS; l++) if (count[l] > count[best]) best = l;
      const o = (y * w + x) * 4;
      data[o] = Math.round(sum[best * 3] / count[best]);
      data[o + 1] = Math.round(sum[best * 3 + 1] / count[best]);
      data[o + 2] = Math.round(sum[best * 3 + 2] / count[best]);
      data[o + 3] = s[o + 3];
    }
  }
  return { data, width: w, height: h };
}
