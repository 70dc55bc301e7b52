import type { Raster } from '../raster';
import type { Color } from '../types';

/**
 * Per-pixel colour operations: each maps one pixel's RGB to a new RGB and
 * leaves alpha alone. They run on the component's result (already at output
 * size), in place on a copy.
 */
type PixelMap = (r: number, g: number, b: number, out: Float64Array) => void;

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

function mapPixels(img: Raster, fn: PixelMap): Raster {
  const src = img.data;
  const data = new Uint8Array(src.length);
  const out = new Float64Array(3);
  for (let i = 0; i < src.length; i += 4) {
    fn(src[i], src[i + 1], src[i + 2], out);
    data[i] = clamp(out[0]);
    data[i + 1] = clamp(out[1]);
    data[i + 2] = clamp(out[2]);
    data[i + 3] = src[i + 3];
  }
  return { data, width: img.width, height: img.height };
}

/** A lookup table per channel, for operations that treat each channel alike. */
function mapLevels(img: Raster, level: (v: number) => number): Raster {
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = clamp(level(v));
  return mapPixels(img, (r, g, b, out) => {
    out[0] = lut[r];
    out[1] = lut[g];
    out[2] = lut[b];
  });
}

export const grayscale = (img: Raster) =>
  mapPixels(img, (r, g, b, out) => {
    const y = Math.round(luma(r, g, b));
    out[0] = out[1] = out[2] = y;
  });

/** Two levels: white where the luma reaches `threshold` percent of full scale. */
export const blackwhite = (img: Raster, threshold: number) =>
  mapPixels(img, (r, g, b, out) => {
    out[0] = out[1] = out[2] = luma(r, g, b) >= (threshold / 100) * 255 ? 255 : 0;
  });

export const negate = (img: Raster) => mapLevels(img, (v) => 255 - v);

/** The classic sepia matrix, blended with the original by `level` percent. */
export const sepia = (img: Raster, level: number) => {
  const k = level / 100;
  return mapPixels(img, (r, g, b, out) => {
    out[0] = r + k * (0.393 * r + 0.769 * g + 0.189 * b - r);
    out[1] = g + k * (0.349 * r + 0.686 * g + 0.168 * b - g);
    out[2] = b + k * (0.272 * r + 0.534 * g + 0.131 * b - b);
  });
};

/** -99..100: -99 is almost black, 100 doubles every channel. */
export const brightness = (img: Raster, level: number) => mapLevels(img, (v) => v * (1 + level / 100));

/** -100..100 around mid-grey: -100 flattens to grey, 100 triples the slope. */
export const contrast = (img: Raster, level: number) => {
  const slope = level >= 0 ? 1 + (2 * level) / 100 : 1 + level / 100;
  return mapLevels(img, (v) => 128 + (v - 128) * slope);
};

/** -50..150: positive values brighten the mid-tones (exponent below 1). */
export const gamma = (img: Raster, level: number) => {
  const exponent = 1 / (1 + level / 100);
  return mapLevels(img, (v) => 255 * Math.pow(v / 255, exponent));
};

/** -100..100: -100 is grey, 100 doubles the distance from grey. */
export const saturation = (img: Raster, level: number) => {
  const k = 1 + level / 100;
  return mapPixels(img, (r, g, b, out) => {
    const y = luma(r, g, b);
    out[0] = y + (r - y) * k;
    out[1] = y + (g - y) * k;
    out[2] = y + (b - y) * k;
  });
};

/** Saturation that boosts the dull pixels more than the already saturated ones. */
export const vibrance = (img: Raster, level: number) =>
  mapPixels(img, (r, g, b, out) => {
    const max = Math.max(r, g, b);
    const sat = max === 0 ? 0 : (max - Math.min(r, g, b)) / max;
    const k = 1 + (level / 100) * (1 - sat);
    const y = luma(r, g, b);
    out[0] = y + (r - y) * k;
    out[1] = y + (g - y) * k;
    out[2] = y + (b - y) * k;
  });

/** Rotates the hue: -100..100 is -180°..180°. */
export const hue = (img: Raster, level: number) => {
  // Rotation about the grey axis in RGB (a matrix, so no HSL round trip per pixel).
  const a = (level / 100) * Math.PI;
  const c = Math.cos(a);
  const s = Math.sin(a);
  const t = (1 - c) / 3;
  const q = Math.sqrt(1 / 3) * s;
  const m = [c + t, t - q, t + q, t + q, c + t, t - q, t - q, t + q, c + t];
  return mapPixels(img, (r, g, b, out) => {
    out[0] = m[0] * r + m[1] * g + m[2] * b;
    out[1] = m[3] * r + m[4] * g + m[5] * b;
    out[2] = m[6] * r + m[7] * g + m[8] * b;
  });
};

/** Blends every pixel towards `color` by `level` percent (`e_colorize` with `co_`). */
export const colorize = (img: Raster, level: number, color: Color) => {
  const k = level / 100;
  return mapPixels(img, (r, g, b, out) => {
    out[0] = r + (color.r - r) * k;
    out[1] = g + (color.g - g) * k;
    out[2] = b + (color.b - b) * k;
  });
};

/** Darkens towards the edges: `level` percent is how dark the corners get. */
export function vignette(img: Raster, level: number): Raster {
  const { width: w, height: h, data: src } = img;
  const data = new Uint8Array(src.length);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const k = level / 100;
  for (let y = 0; y < h; y++) {
    const dy = cy ? (y - cy) / cy : 0;
    for (let x = 0; x < w; x++) {
      const dx = cx ? (x - cx) / cx : 0;
      const d = Math.min(1, Math.sqrt(dx * dx + dy * dy) / Math.SQRT2);
      const f = 1 - k * d * d;
      const i = (y * w + x) * 4;
      data[i] = clamp(src[i] * f);
      data[i + 1] = clamp(src[i + 1] * f);
      data[i + 2] = clamp(src[i + 2] * f);
      data[i + 3] = src[i + 3];
    }
  }
  return { data, width: w, height: h };
}
