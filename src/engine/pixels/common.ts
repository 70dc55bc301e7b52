import type { Raster } from '../raster';

/** Helpers shared by the pixel operations of Transformations III. */

export const clamp255 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
export const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

/** Mixes `effect` back towards `original` by `blend` percent (100: all effect), for effects with Cloudinary's blend argument. */
export function blendWith(original: Raster, effect: Raster, blend: number): Raster {
  if (blend >= 100) return effect;
  const k = blend / 100;
  const a = original.data;
  const b = effect.data;
  const data = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) data[i] = (i & 3) === 3 ? a[i] : clamp255(a[i] + (b[i] - a[i]) * k);
  return { data, width: original.width, height: original.height };
}

/** The value below which `fraction` of the (opaque-enough) pixels' `channel` lies: 0-2 for R, G, B, 3 for luma. */
export function percentile(img: Raster, channel: number, fraction: number): number {
  const hist = new Uint32Array(256);
  const d = img.data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] < 16) continue;
    const v = channel === 3 ? Math.round(luma(d[i], d[i + 1], d[i + 2])) : d[i + channel];
    hist[v]++;
    n++;
  }
  const target = fraction * n;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v];
    if (seen > target) return v;
  }
  return 255;
}

/** Applies one lookup table per colour channel; alpha stays. */
export function applyLuts(img: Raster, luts: [Uint8Array, Uint8Array, Uint8Array]): Raster {
  const s = img.data;
  const data = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i += 4) {
    data[i] = luts[0][s[i]];
    data[i + 1] = luts[1][s[i + 1]];
    data[i + 2] = luts[2][s[i + 2]];
    data[i + 3] = s[i + 3];
  }
  return { data, width: img.width, height: img.height };
}

export function lut(fn: (v: number) => number): Uint8Array {
  const t = new Uint8Array(256);
  for (let v = 0; v < 256; v++) t[v] = clamp255(fn(v));
  return t;
}

/** A small deterministic PRNG (mulberry32): the same URL gives the same bytes, so the derived store and caches agree. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Squared Euclidean distance from every pixel to the nearest pixel where `seed`
 * is set (Felzenszwalb and Huttenlocher's two-pass transform: linear time
 * whatever the distance, so wide outlines cost no more than narrow ones).
 */
export function distanceSquared(seed: Uint8Array, w: number, h: number): Float64Array {
  const INF = 1e20;
  const dist = new Float64Array(w * h);
  for (let i = 0; i < dist.length; i++) dist[i] = seed[i] ? 0 : INF;
  const n = Math.max(w, h);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const pass = (len: number, read: (i: number) => number, write: (i: number, val: number) => void) => {
    for (let i = 0; i < len; i++) f[i] = read(i);
    let k = 0;
    v[0] = 0;
    z[0] = -INF;
    z[1] = INF;
    for (let q = 1; q < len; q++) {
      let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      while (s <= z[k]) {
        k--;
        s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = INF;
    }
    k = 0;
    for (let q = 0; q < len; q++) {
      while (z[k + 1] < q) k++;
      d[q] = (q - v[k]) * (q - v[k]) + f[v[k]];
    }
    for (let i = 0; i < len; i++) write(i, d[i]);
  };
  for (let x = 0; x < w; x++)
    pass(
      h,
      (y) => dist[y * w + x],
      (y, val) => (dist[y * w + x] = val),
    );
  for (let y = 0; y < h; y++)
    pass(
      w,
      (x) => dist[y * w + x],
      (x, val) => (dist[y * w + x] = val),
    );
  return dist;
}

/** Bilinear sample of `img` at (x, y) in pixel-centre coordinates into `out`; false (and nothing written) outside the image. */
export function sampleBilinear(img: Raster, x: number, y: number, out: Float64Array): boolean {
  const { width: w, height: h, data } = img;
  if (x < -0.5 || y < -0.5 || x > w - 0.5 || y > h - 0.5) return false;
  const x0 = Math.max(0, Math.min(w - 1, Math.floor(x)));
  const y0 = Math.max(0, Math.min(h - 1, Math.floor(y)));
  const x1 = Math.min(w - 1, x0 + 1);
  const y1 = Math.min(h - 1, y0 + 1);
  const fx = Math.max(0, Math.min(1, x - x0));
  const fy = Math.max(0, Math.min(1, y - y0));
  const a = (y0 * w + x0) * 4;
  const b = (y0 * w + x1) * 4;
  const c = (y1 * w + x0) * 4;
  const d = (y1 * w + x1) * 4;
  // Premultiplied, so transparent neighbours do not bleed their (meaningless) colour into the edge.
  const wa = (1 - fx) * (1 - fy) * data[a + 3];
  const wb = fx * (1 - fy) * data[b + 3];
  const wc = (1 - fx) * fy * data[c + 3];
  const wd = fx * fy * data[d + 3];
  const alpha = wa + wb + wc + wd;
  for (let ch = 0; ch < 3; ch++)
    out[ch] = alpha > 0 ? (data[a + ch] * wa + data[b + ch] * wb + data[c + ch] * wc + data[d + ch] * wd) / alpha : 0;
  out[3] = alpha;
  return true;
}
