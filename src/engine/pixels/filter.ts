import type { Raster } from '../raster';

/**
 * Neighbourhood filters: a Gaussian-like blur made of three box blurs (linear
 * time whatever the radius), sharpening by unsharp masking, and pixelation.
 * Alpha is blurred with the colour so edges of transparent images stay soft.
 */

/** One box-blur pass (horizontal or vertical) of `radius` over every channel, edges clamped. */
function boxPass(src: Uint8Array, dst: Uint8Array, w: number, h: number, radius: number, horizontal: boolean): void {
  const len = horizontal ? w : h;
  const lines = horizontal ? h : w;
  const step = horizontal ? 4 : w * 4;
  const size = 2 * radius + 1;
  for (let line = 0; line < lines; line++) {
    const base = horizontal ? line * w * 4 : line * 4;
    for (let c = 0; c < 4; c++) {
      const at = (i: number) => src[base + Math.min(len - 1, Math.max(0, i)) * step + c];
      let sum = 0;
      for (let i = -radius; i <= radius; i++) sum += at(i);
      for (let i = 0; i < len; i++) {
        dst[base + i * step + c] = Math.round(sum / size);
        sum += at(i + radius + 1) - at(i - radius);
      }
    }
  }
}

/** Box radii whose three passes approximate a Gaussian of `sigma`. */
function boxRadii(sigma: number): number[] {
  const ideal = Math.sqrt((12 * sigma * sigma) / 3 + 1);
  let wl = Math.floor(ideal);
  if (wl % 2 === 0) wl--;
  const wu = wl + 2;
  const m = Math.round((12 * sigma * sigma - 3 * wl * wl - 12 * wl - 9) / (-4 * wl - 4));
  return [0, 1, 2].map((i) => ((i < m ? wl : wu) - 1) / 2);
}

export function gaussianBlur(img: Raster, sigma: number): Raster {
  const { width: w, height: h } = img;
  const a = img.data.slice();
  const b = new Uint8Array(a.length);
  for (const r of boxRadii(sigma)) {
    if (r < 1) continue;
    boxPass(a, b, w, h, r, true);
    boxPass(b, a, w, h, r, false);
  }
  return { data: a, width: w, height: h };
}

/** Cloudinary's blur strength (1-2000) as a Gaussian sigma: 100 is a clearly soft ~5 px blur. */
export const blurSigma = (strength: number) => Math.max(0.5, strength / 20);

/** original + amount x (original - blurred), colour channels only. */
export function unsharp(img: Raster, sigma: number, amount: number): Raster {
  const blurred = gaussianBlur(img, sigma);
  const src = img.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    if ((i & 3) === 3) {
      out[i] = src[i];
      continue;
    }
    const v = src[i] + amount * (src[i] - blurred.data[i]);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
  }
  return { data: out, width: img.width, height: img.height };
}

/** Replaces each `size` x `size` block with its average. */
export function pixelate(img: Raster, size: number): Raster {
  const { width: w, height: h, data: src } = img;
  const out = new Uint8Array(src.length);
  const sum = new Float64Array(4);
  for (let by = 0; by < h; by += size) {
    for (let bx = 0; bx < w; bx += size) {
      const ex = Math.min(w, bx + size);
      const ey = Math.min(h, by + size);
      sum.fill(0);
      for (let y = by; y < ey; y++) for (let x = bx; x < ex; x++) for (let c = 0; c < 4; c++) sum[c] += src[(y * w + x) * 4 + c];
      const n = (ex - bx) * (ey - by);
      for (let y = by; y < ey; y++)
        for (let x = bx; x < ex; x++) for (let c = 0; c < 4; c++) out[(y * w + x) * 4 + c] = Math.round(sum[c] / n);
    }
  }
  return { data: out, width: w, height: h };
}
