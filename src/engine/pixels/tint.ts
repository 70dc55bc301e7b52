import type { Raster } from '../raster';
import type { Color } from '../types';

/**
 * `e_tint`: one colour keeps the luminance and takes the colour's hue; two or
 * more colours are a gradient map from the darkest to the lightest pixels, at
 * the positions given (`e_tint:80:blue:0p:red:100p`) or evenly spaced. With
 * `equalize` the image's levels are first spread over the whole range, as
 * Cloudinary does before tinting.
 */
export interface TintStop {
  color: Color;
  /** 0-1 along the luminance; undefined when the stop takes its even share. */
  at?: number;
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

export function tintImage(img: Raster, level: number, stops: TintStop[], equalize: boolean): Raster {
  const src = equalize ? equalizeLevels(img) : img;
  const k = level / 100;
  const colorAt = stops.length === 1 ? undefined : gradient(stops);
  const single = stops[0].color;
  const cy = luma(single.r, single.g, single.b) || 1;
  const data = new Uint8Array(src.data.length);
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b] = [src.data[i], src.data[i + 1], src.data[i + 2]];
    const y = luma(r, g, b);
    const [tr, tg, tb] = colorAt ? colorAt(y / 255) : [(single.r * y) / cy, (single.g * y) / cy, (single.b * y) / cy];
    data[i] = clamp(r + (tr - r) * k);
    data[i + 1] = clamp(g + (tg - g) * k);
    data[i + 2] = clamp(b + (tb - b) * k);
    data[i + 3] = src.data[i + 3];
  }
  return { data, width: img.width, height: img.height };
}

/** The colour at `t` (0-1) of the gradient through the stops; missing positions are spread evenly. */
function gradient(stops: TintStop[]): (t: number) => [number, number, number] {
  const placed = stops.map((s, i) => ({ color: s.color, at: s.at ?? i / (stops.length - 1) })).sort((a, b) => a.at - b.at);
  return (t) => {
    const upper = placed.findIndex((s) => s.at >= t);
    if (upper <= 0) {
      const c = placed[upper === 0 ? 0 : placed.length - 1].color;
      return [c.r, c.g, c.b];
    }
    const lo = placed[upper - 1];
    const hi = placed[upper];
    const f = hi.at === lo.at ? 0 : (t - lo.at) / (hi.at - lo.at);
    return [
      lo.color.r + (hi.color.r - lo.color.r) * f,
      lo.color.g + (hi.color.g - lo.color.g) * f,
      lo.color.b + (hi.color.b - lo.color.b) * f,
    ];
  };
}

/** Histogram equalisation of each colour channel (ImageMagick's `-equalize`, which Cloudinary's option is named after). */
function equalizeLevels(img: Raster): Raster {
  const data = img.data.slice();
  const pixels = img.width * img.height;
  for (let c = 0; c < 3; c++) {
    const hist = new Uint32Array(256);
    for (let i = c; i < data.length; i += 4) hist[data[i]]++;
    const lut = new Uint8Array(256);
    let sum = 0;
    const first = hist.findIndex((n) => n > 0);
    const base = hist[first];
    for (let v = 0; v < 256; v++) {
      sum += hist[v];
      lut[v] = pixels === base ? data[c] : clamp(((sum - base) / (pixels - base)) * 255);
    }
    for (let i = c; i < data.length; i += 4) data[i] = lut[data[i]];
  }
  return { data, width: img.width, height: img.height };
}
