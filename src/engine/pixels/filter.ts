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

/**
 * Above this sigma the blur runs on a copy reduced by sigma / DIRECT_SIGMA and
 * is enlarged back, as image servers do: a wide Gaussian keeps no detail that
 * the reduced copy loses, and the work no longer grows with the radius
 * (`e_blur:2000`, a common placeholder, is sigma 100).
 */
const DIRECT_SIGMA = 4;

/** How much a blur of `sigma` reduces the image first (1: not at all). */
export const blurReduction = (sigma: number) => Math.max(1, Math.floor(sigma / DIRECT_SIGMA));

export function gaussianBlur(img: Raster, sigma: number): Raster {
  const factor = blurReduction(sigma);
  if (factor < 2) return blurDirect(img, sigma);
  const small = reduce(img, factor);
  const blurred = blurDirect(small, sigma / factor);
  return enlarge(blurred, img.width, img.height);
}

/** Averages `factor` x `factor` blocks (the last row and column of blocks may be partial). */
function reduce(img: Raster, factor: number): Raster {
  const { width: w, height: h, data: src } = img;
  const sw = Math.ceil(w / factor);
  const sh = Math.ceil(h / factor);
  const out = new Uint8Array(sw * sh * 4);
  const sum = new Float64Array(sw * 4);
  const count = new Uint32Array(sw);
  for (let sy = 0; sy < sh; sy++) {
    sum.fill(0);
    count.fill(0);
    for (let y = sy * factor; y < Math.min(h, (sy + 1) * factor); y++) {
      for (let x = 0; x < w; x++) {
        const s = (y * w + x) * 4;
        const d = Math.floor(x / factor);
        count[d]++;
        for (let c = 0; c < 4; c++) sum[d * 4 + c] += src[s + c];
      }
    }
    for (let sx = 0; sx < sw; sx++) for (let c = 0; c < 4; c++) out[(sy * sw + sx) * 4 + c] = Math.round(sum[sx * 4 + c] / count[sx]);
  }
  return { data: out, width: sw, height: sh };
}

/** Bilinear enlargement to width x height (pixel centres aligned, edges clamped). */
function enlarge(img: Raster, width: number, height: number): Raster {
  const { width: sw, height: sh, data: src } = img;
  const out = new Uint8Array(width * height * 4);
  const kx = sw / width;
  const ky = sh / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(sh - 1, Math.max(0, (y + 0.5) * ky - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(sh - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(sw - 1, Math.max(0, (x + 0.5) * kx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(sw - 1, x0 + 1);
      const tx = fx - x0;
      const a = (y0 * sw + x0) * 4;
      const b = (y0 * sw + x1) * 4;
      const c = (y1 * sw + x0) * 4;
      const d = (y1 * sw + x1) * 4;
      const o = (y * width + x) * 4;
      for (let ch = 0; ch < 4; ch++) {
        const top = src[a + ch] + (src[b + ch] - src[a + ch]) * tx;
        const bottom = src[c + ch] + (src[d + ch] - src[c + ch]) * tx;
        out[o + ch] = Math.round(top + (bottom - top) * ty);
      }
    }
  }
  return { data: out, width, height };
}

/** The blur at full resolution (three box blurs): linear in the pixels, whatever the radius. */
export function blurDirect(img: Raster, sigma: number): Raster {
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
