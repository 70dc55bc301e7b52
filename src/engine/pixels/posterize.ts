import type { Raster } from '../raster';
import type { Effect } from '../types';

/**
 * The colour side of `e_vectorize`: the image reduced to its working size
 * (the detail), its colours reduced to a palette by median cut, and speckles
 * (regions smaller than the despeckle area) merged into their neighbours.
 * The result is a map of regions of flat colour: what the SVG tracer
 * (codecs/svg-trace.ts) turns into paths, or what a raster format shows.
 */
export interface Posterized {
  width: number;
  height: number;
  palette: [number, number, number][];
  /** Palette index per pixel; 255 is transparent. */
  index: Uint8Array;
}

export const TRANSPARENT_INDEX = 255;

/** Box-averages `img` so that its longer side is at most `maxSide`. */
function reduceTo(img: Raster, maxSide: number): Raster {
  const factor = Math.max(img.width, img.height) / maxSide;
  if (factor <= 1) return img;
  const w = Math.max(1, Math.round(img.width / factor));
  const h = Math.max(1, Math.round(img.height / factor));
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const sy0 = Math.floor((y * img.height) / h);
    const sy1 = Math.max(sy0 + 1, Math.floor(((y + 1) * img.height) / h));
    for (let x = 0; x < w; x++) {
      const sx0 = Math.floor((x * img.width) / w);
      const sx1 = Math.max(sx0 + 1, Math.floor(((x + 1) * img.width) / w));
      const sum = [0, 0, 0, 0];
      for (let sy = sy0; sy < sy1; sy++)
        for (let sx = sx0; sx < sx1; sx++) for (let c = 0; c < 4; c++) sum[c] += img.data[(sy * img.width + sx) * 4 + c];
      const n = (sy1 - sy0) * (sx1 - sx0);
      for (let c = 0; c < 4; c++) out[(y * w + x) * 4 + c] = Math.round(sum[c] / n);
    }
  }
  return { data: out, width: w, height: h };
}

/** Median cut on (at most 16384 sampled) opaque pixels. */
function medianCut(img: Raster, colors: number): [number, number, number][] {
  const d = img.data;
  const total = d.length / 4;
  const step = Math.max(1, Math.floor(total / 16384));
  const samples: number[][] = [];
  for (let p = 0; p < total; p += step) if (d[p * 4 + 3] >= 128) samples.push([d[p * 4], d[p * 4 + 1], d[p * 4 + 2]]);
  if (!samples.length) return [[0, 0, 0]];
  let boxes = [samples];
  while (boxes.length < colors) {
    let widest = -1;
    let at = -1;
    let channel = 0;
    boxes.forEach((box, i) => {
      if (box.length < 2) return;
      for (let c = 0; c < 3; c++) {
        let lo = 255;
        let hi = 0;
        for (const s of box) {
          lo = Math.min(lo, s[c]);
          hi = Math.max(hi, s[c]);
        }
        if (hi - lo > widest) [widest, at, channel] = [hi - lo, i, c];
      }
    });
    if (at < 0 || widest <= 0) break;
    const box = boxes[at].sort((a, b) => a[channel] - b[channel]);
    const mid = box.length >> 1;
    boxes = [...boxes.slice(0, at), box.slice(0, mid), box.slice(mid), ...boxes.slice(at + 1)];
  }
  return boxes.map((box) => {
    const sum = [0, 0, 0];
    for (const s of box) for (let c = 0; c < 3; c++) sum[c] += s[c];
    return [0, 1, 2].map((c) => Math.round(sum[c] / box.length)) as [number, number, number];
  });
}

function posterize(img: Raster, colors: number, despeckleArea: number): Posterized {
  const palette = medianCut(img, colors);
  const { width: w, height: h, data: d } = img;
  const index = new Uint8Array(w * h);
  for (let p = 0; p < w * h; p++) {
    if (d[p * 4 + 3] < 128) {
      index[p] = TRANSPARENT_INDEX;
      continue;
    }
    let best = 0;
    let bestD = Infinity;
    for (let k = 0; k < palette.length; k++) {
      const dist = (d[p * 4] - palette[k][0]) ** 2 + (d[p * 4 + 1] - palette[k][1]) ** 2 + (d[p * 4 + 2] - palette[k][2]) ** 2;
      if (dist < bestD) [bestD, best] = [dist, k];
    }
    index[p] = best;
  }
  if (despeckleArea >= 1) despeckle(index, w, h, despeckleArea);
  return { width: w, height: h, palette, index };
}

/** Regions (4-connected, one colour) smaller than `area` pixels take the most common colour around them. */
function despeckle(index: Uint8Array, w: number, h: number, area: number): void {
  const label = new Int32Array(w * h).fill(-1);
  const stack: number[] = [];
  const region: number[] = [];
  const around = new Map<number, number>();
  for (let start = 0; start < w * h; start++) {
    if (label[start] >= 0) continue;
    const colour = index[start];
    region.length = 0;
    around.clear();
    label[start] = start;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop() as number;
      region.push(p);
      const x = p % w;
      const next = [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, p >= w ? p - w : -1, p < w * (h - 1) ? p + w : -1];
      for (const q of next) {
        if (q < 0) continue;
        if (index[q] === colour) {
          if (label[q] < 0) {
            label[q] = start;
            stack.push(q);
          }
        } else around.set(index[q], (around.get(index[q]) ?? 0) + 1);
      }
    }
    if (region.length >= area || !around.size) continue;
    let best = -1;
    let most = 0;
    for (const [c, n] of around) if (n > most) [best, most] = [c, n];
    for (const p of region) index[p] = best;
  }
}

/** The posterized regions as an image of `width` x `height` (nearest neighbour), for raster output. */
export function renderPosterized(p: Posterized, width: number, height: number): Raster {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(p.height - 1, Math.floor((y * p.height) / height));
    for (let x = 0; x < width; x++) {
      const k = p.index[sy * p.width + Math.min(p.width - 1, Math.floor((x * p.width) / width))];
      if (k === TRANSPARENT_INDEX) continue;
      const o = (y * width + x) * 4;
      [data[o], data[o + 1], data[o + 2]] = p.palette[k];
      data[o + 3] = 255;
    }
  }
  return { data, width, height };
}

/**
 * `e_vectorize:<colors>:<detail>:<despeckle>`'s regions of `img`: the detail is
 * the working size's longer side in pixels (or, up to 1, a fraction of the
 * image's; never above 1000, as at Cloudinary), the despeckle the side of the
 * smallest region kept (pixels, or up to 1 a fraction of the working size).
 */
export function vectorRegions(img: Raster, e: Effect): Posterized {
  const [, speckle] = e.values ?? [300, 2];
  const small = reduceTo(img, workingSide(img, e));
  const area = speckle < 1 ? speckle * Math.max(small.width, small.height) : speckle;
  return posterize(small, e.level ?? 10, area * area);
}

function workingSide(img: Raster, e: Effect): number {
  const detail = e.values?.[0] ?? 300;
  const longer = Math.max(img.width, img.height);
  return Math.max(8, Math.min(1000, longer, detail <= 1 ? detail * longer : detail));
}

/**
 * The regions of an image e_vectorize already made (what the SVG writer
 * receives): its few exact colours are the palette and each cell of the
 * working grid takes the colour of its first pixel, so nothing is averaged
 * twice. Undefined when later steps added colours (then it is posterized anew).
 */
export function flatRegions(img: Raster, e: Effect): Posterized | undefined {
  const colours = new Map<number, number>();
  const palette: [number, number, number][] = [];
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] < 128) continue;
    const key = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    if (colours.has(key)) continue;
    if (palette.length >= (e.level ?? 10)) return undefined;
    colours.set(key, palette.length);
    palette.push([d[i], d[i + 1], d[i + 2]]);
  }
  const factor = Math.max(1, Math.max(img.width, img.height) / workingSide(img, e));
  const width = Math.max(1, Math.round(img.width / factor));
  const height = Math.max(1, Math.round(img.height / factor));
  const index = new Uint8Array(width * height);
  for (let gy = 0; gy < height; gy++) {
    const y = Math.min(img.height - 1, Math.ceil((gy * img.height) / height));
    for (let gx = 0; gx < width; gx++) {
      const x = Math.min(img.width - 1, Math.ceil((gx * img.width) / width));
      const o = (y * img.width + x) * 4;
      index[gy * width + gx] = d[o + 3] < 128 ? TRANSPARENT_INDEX : (colours.get((d[o] << 16) | (d[o + 1] << 8) | d[o + 2]) as number);
    }
  }
  return { width, height, palette, index };
}
