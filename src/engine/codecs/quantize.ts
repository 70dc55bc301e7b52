import type { Raster } from '../raster';

/**
 * Reduces an image to at most 256 colours (for GIF and fl_png8): median cut
 * over a 15-bit colour histogram, then each pixel mapped to its nearest
 * palette entry. Pixels with alpha below 128 become one transparent entry.
 */
export interface Indexed {
  /** RGB triplets. */
  palette: Uint8Array;
  /** Index into the palette, or `transparent`. */
  indices: Uint8Array;
  /** The transparent entry's index, or -1 when every pixel is opaque. */
  transparent: number;
  colors: number;
}

interface Box {
  keys: number[];
  count: number;
}

const key15 = (r: number, g: number, b: number) => ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);

export function quantize(img: Raster, maxColors = 256): Indexed {
  const { data } = img;
  const n = img.width * img.height;
  const hist = new Uint32Array(32768);
  let transparentPixels = 0;
  for (let i = 0; i < n; i++) {
    if (data[i * 4 + 3] < 128) {
      transparentPixels++;
      continue;
    }
    hist[key15(data[i * 4], data[i * 4 + 1], data[i * 4 + 2])]++;
  }
  const used: number[] = [];
  for (let k = 0; k < 32768; k++) if (hist[k]) used.push(k);
  const slots = maxColors - (transparentPixels ? 1 : 0);
  const boxes: Box[] = [{ keys: used, count: used.reduce((s, k) => s + hist[k], 0) }];
  while (boxes.length < slots) {
    // Split the most populous box that still has more than one colour along its widest channel.
    let pick = -1;
    for (let i = 0; i < boxes.length; i++) if (boxes[i].keys.length > 1 && (pick < 0 || boxes[i].count > boxes[pick].count)) pick = i;
    if (pick < 0) break;
    const box = boxes[pick];
    const ch = widestChannel(box.keys);
    box.keys.sort((a, b) => channel(a, ch) - channel(b, ch));
    let acc = 0;
    let cut = 1;
    for (; cut < box.keys.length - 1; cut++) {
      acc += hist[box.keys[cut - 1]];
      if (acc >= box.count / 2) break;
    }
    const left = box.keys.slice(0, cut);
    const right = box.keys.slice(cut);
    const count = (ks: number[]) => ks.reduce((s, k) => s + hist[k], 0);
    boxes.splice(pick, 1, { keys: left, count: count(left) }, { keys: right, count: count(right) });
  }
  const colors = boxes.length + (transparentPixels ? 1 : 0);
  const palette = new Uint8Array(Math.max(2, colors) * 3);
  const lookup = new Int16Array(32768).fill(-1);
  boxes.forEach((box, i) => {
    let r = 0,
      g = 0,
      b = 0,
      c = 0;
    for (const k of box.keys) {
      const w = hist[k];
      r += ((k >> 10) & 31) * w;
      g += ((k >> 5) & 31) * w;
      b += (k & 31) * w;
      c += w;
    }
    palette[i * 3] = Math.round((r / c) * 8.2258);
    palette[i * 3 + 1] = Math.round((g / c) * 8.2258);
    palette[i * 3 + 2] = Math.round((b / c) * 8.2258);
    for (const k of box.keys) lookup[k] = i;
  });
  const transparent = transparentPixels ? boxes.length : -1;
  const indices = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    indices[i] = data[i * 4 + 3] < 128 ? transparent : lookup[key15(data[i * 4], data[i * 4 + 1], data[i * 4 + 2])];
  }
  return { palette, indices, transparent, colors: Math.max(2, colors) };
}

const channel = (k: number, ch: number) => (k >> (10 - ch * 5)) & 31;

function widestChannel(keys: number[]): number {
  let best = 0;
  let bestRange = -1;
  for (let ch = 0; ch < 3; ch++) {
    let lo = 31,
      hi = 0;
    for (const k of keys) {
      const v = channel(k, ch);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi - lo > bestRange) {
      bestRange = hi - lo;
      best = ch;
    }
  }
  return best;
}
