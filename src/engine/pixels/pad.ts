import { blurSigma, gaussianBlur } from './filter';
import { brightness } from './tone';
import { blank, drawInto, place, WHITE, type Raster } from '../raster';
import type { AutoBackground, Background, Color } from '../types';

/**
 * What fills the padding of `c_pad`, `c_lpad`, `c_mpad` and `c_fill_pad`: a
 * colour, a colour (or gradient) taken from the image itself (`b_auto...`),
 * or the image enlarged and blurred behind itself (`b_blurred`).
 */
export interface Canvas {
  width: number;
  height: number;
  x: number;
  y: number;
}

export function padCanvas(img: Raster, canvas: Canvas, b: Background | undefined): Raster {
  if (!b || !('kind' in b)) return place(img, canvas.width, canvas.height, canvas.x, canvas.y, b ?? WHITE);
  const under = b.kind === 'blurred' ? blurredCover(img, canvas, b.intensity, b.brightness) : autoFill(img, canvas, b);
  drawInto(under, img, canvas.x, canvas.y);
  return under;
}

/** A solid colour for what needs one (rotations, flattening): `b_auto` forms and `b_blurred` give none. */
export const solidBackground = (b: Background | undefined): Color | undefined => (b && !('kind' in b) ? b : undefined);

function blurredCover(img: Raster, canvas: Canvas, intensity: number, level: number): Raster {
  // Nearest-neighbour enlargement is enough: the blur removes its blockiness.
  const scale = Math.max(canvas.width / img.width, canvas.height / img.height);
  const ox = (img.width * scale - canvas.width) / 2;
  const oy = (img.height * scale - canvas.height) / 2;
  const out = blank(canvas.width, canvas.height, WHITE);
  for (let y = 0; y < canvas.height; y++) {
    const sy = Math.min(img.height - 1, Math.floor((y + oy) / scale));
    for (let x = 0; x < canvas.width; x++) {
      const sx = Math.min(img.width - 1, Math.floor((x + ox) / scale));
      out.data.set(img.data.subarray((sy * img.width + sx) * 4, (sy * img.width + sx) * 4 + 4), (y * canvas.width + x) * 4);
      out.data[(y * canvas.width + x) * 4 + 3] = 255;
    }
  }
  const blurred = gaussianBlur(out, blurSigma(intensity));
  return level ? brightness(blurred, level) : blurred;
}

function autoFill(img: Raster, canvas: Canvas, b: AutoBackground): Raster {
  const ranked = predominantColors(img, b.source === 'border');
  const count = b.gradient ? b.gradient.colors : 1;
  let colors = Array.from({ length: count }, (_, i) => ranked[Math.min(i, ranked.length - 1)]);
  if (b.palette?.length) colors = colors.map((c) => nearest(c, b.palette!));
  if (b.contrast) colors = colors.map(contrasting);
  if (!b.gradient) return blank(canvas.width, canvas.height, colors[0]);
  return gradientCanvas(canvas.width, canvas.height, colors, b.gradient.direction);
}

/**
 * The image's colours by how much of it (or of its border: the outer 2 % on
 * each side, at least one pixel) they cover, in 4-bit-per-channel buckets,
 * each bucket's mean colour.
 */
function predominantColors(img: Raster, borderOnly: boolean): Color[] {
  const { width: w, height: h, data } = img;
  const ring = Math.max(1, Math.round(Math.min(w, h) * 0.02));
  const sums = new Map<number, [number, number, number, number]>();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (borderOnly && x >= ring && y >= ring && x < w - ring && y < h - ring) continue;
      const i = (y * w + x) * 4;
      if (data[i + 3] < 128) continue;
      const key = ((data[i] >> 4) << 8) | ((data[i + 1] >> 4) << 4) | (data[i + 2] >> 4);
      const s = sums.get(key) ?? [0, 0, 0, 0];
      s[0] += data[i];
      s[1] += data[i + 1];
      s[2] += data[i + 2];
      s[3]++;
      sums.set(key, s);
    }
  }
  const ranked = [...sums.values()].sort((a, b) => b[3] - a[3]);
  if (!ranked.length) return [WHITE];
  return ranked.map(([r, g, bl, n]) => ({ r: Math.round(r / n), g: Math.round(g / n), b: Math.round(bl / n), a: 255 }));
}

const contrasting = (c: Color): Color => ({ r: 255 - c.r, g: 255 - c.g, b: 255 - c.b, a: 255 });

const distance = (a: Color, b: Color) => (a.r - b.r) ** 2 + (a.g - b.g) ** 2 + (a.b - b.b) ** 2;
const nearest = (c: Color, palette: Color[]) => palette.reduce((best, p) => (distance(c, p) < distance(c, best) ? p : best));

/** A linear gradient through the colours, evenly spaced, along the direction. */
function gradientCanvas(
  width: number,
  height: number,
  colors: Color[],
  direction: NonNullable<AutoBackground['gradient']>['direction'],
): Raster {
  const out = blank(width, height, WHITE);
  const along = (x: number, y: number) => {
    const u = width > 1 ? x / (width - 1) : 0;
    const v = height > 1 ? y / (height - 1) : 0;
    if (direction === 'vertical') return v;
    if (direction === 'diagonal_desc') return (u + v) / 2;
    if (direction === 'diagonal_asc') return (u + 1 - v) / 2;
    return u;
  };
  const segments = colors.length - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = along(x, y) * segments;
      const k = Math.min(segments - 1, Math.floor(t));
      const f = t - k;
      const [a, b] = [colors[k], colors[k + 1]];
      out.data.set(
        [Math.round(a.r + (b.r - a.r) * f), Math.round(a.g + (b.g - a.g) * f), Math.round(a.b + (b.b - a.b) * f), 255],
        (y * width + x) * 4,
      );
    }
  }
  return out;
}
