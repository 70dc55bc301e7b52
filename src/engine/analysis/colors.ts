import { shrinkToFit, type Rgba } from './raster';

/** `[hex, percent]` as Cloudinary lists colours: `["#152E02", 7.9]`. */
type ColorShare = [string, number];

export interface ColorAnalysis {
  /** Up to 32 leading colours, most frequent first. */
  colors: ColorShare[];
  /** The share of each named colour (Google's palette), largest first. */
  predominant: { google: ColorShare[] };
}

const LEADING = 32;
/** Analysis works on at most this many pixels per side: enough for shares to one decimal. */
const SAMPLE_SIDE = 160;
/** Pixels more transparent than this are background, not colour. */
const OPAQUE = 128;

const round1 = (n: number) => Math.round(n * 10) / 10;
const hex = (r: number, g: number, b: number) =>
  '#' +
  [r, g, b]
    .map((c) => Math.round(c).toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();

type Px = [number, number, number];

/** The opaque pixels of a reduced copy. */
function samplePixels(img: Rgba): Px[] {
  const small = shrinkToFit(img, SAMPLE_SIDE);
  const out: Px[] = [];
  for (let i = 0; i < small.data.length; i += 4) {
    if (small.data[i + 3] >= OPAQUE) out.push([small.data[i], small.data[i + 1], small.data[i + 2]]);
  }
  return out;
}

/**
 * Median cut: the box of pixels with the widest channel spread (weighted by
 * its size) is split at the median of that channel until there are 32 boxes.
 * Each box is one leading colour, its mean, with its share of the pixels.
 */
function medianCut(pixels: Px[], boxes: number): { color: Px; count: number }[] {
  let work: Px[][] = pixels.length ? [pixels] : [];
  while (work.length < boxes) {
    let best = -1;
    let bestScore = 0;
    let bestChannel = 0;
    work.forEach((box, i) => {
      if (box.length < 2) return;
      for (let ch = 0; ch < 3; ch++) {
        let lo = 255;
        let hi = 0;
        for (const p of box) {
          if (p[ch] < lo) lo = p[ch];
          if (p[ch] > hi) hi = p[ch];
        }
        const score = (hi - lo) * Math.sqrt(box.length);
        if (score > bestScore) {
          bestScore = score;
          best = i;
          bestChannel = ch;
        }
      }
    });
    if (best < 0) break; // every box holds a single colour
    const box = work[best].sort((a, b) => a[bestChannel] - b[bestChannel]);
    const mid = box.length >> 1;
    work = [...work.slice(0, best), box.slice(0, mid), box.slice(mid), ...work.slice(best + 1)];
  }
  return work.map((box) => {
    const sum = box.reduce((s, p) => [s[0] + p[0], s[1] + p[1], s[2] + p[2]], [0, 0, 0]);
    return { color: [sum[0] / box.length, sum[1] / box.length, sum[2] / box.length] as Px, count: box.length };
  });
}

/** Google's colour names, decided from hue, saturation and value. */
export function colorName([r, g, b]: Px): string {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const v = max / 255;
  const s = max === 0 ? 0 : (max - min) / max;
  if (v < 0.2) return 'black';
  if (s < 0.15) return v > 0.85 ? 'white' : 'gray';
  let h = 0;
  const d = max - min;
  if (max === r) h = (60 * ((g - b) / d) + 360) % 360;
  else if (max === g) h = 60 * ((b - r) / d) + 120;
  else h = 60 * ((r - g) / d) + 240;
  if (h < 15 || h >= 345) return v < 0.5 ? 'brown' : s < 0.45 && v > 0.75 ? 'pink' : 'red';
  if (h < 45) return v < 0.65 ? 'brown' : 'orange';
  if (h < 70) return v < 0.5 ? 'brown' : 'yellow';
  if (h < 160) return 'green';
  if (h < 195) return 'teal';
  if (h < 255) return 'blue';
  if (h < 290) return 'purple';
  return 'pink';
}

export function analyseColors(img: Rgba): ColorAnalysis {
  const pixels = samplePixels(img);
  const total = pixels.length;
  if (!total) return { colors: [], predominant: { google: [] } };

  const merged = new Map<string, number>();
  for (const { color, count } of medianCut(pixels, LEADING)) {
    const key = hex(...color);
    merged.set(key, (merged.get(key) ?? 0) + count);
  }
  const colors = [...merged].sort((a, b) => b[1] - a[1]).map(([h, n]): ColorShare => [h, round1((100 * n) / total)]);

  const names = new Map<string, number>();
  for (const p of pixels) {
    const n = colorName(p);
    names.set(n, (names.get(n) ?? 0) + 1);
  }
  const google = [...names]
    .sort((a, b) => b[1] - a[1])
    .map(([n, c]): ColorShare => [n, round1((100 * c) / total)])
    .filter(([, pct]) => pct > 0);
  return { colors, predominant: { google } };
}
