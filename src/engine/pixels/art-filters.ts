import type { Raster } from '../raster';
import { clamp255, luma } from './common';

/**
 * `e_art:<filter>`: Cloudinary's named filters as colour recipes. Cloudinary
 * publishes only sample images, so each recipe imitates the look of its sample
 * (warm or cool, faded or punchy, colour or monochrome); the tests hold each
 * one to the direction its description states (docs/effects.md).
 */
interface Recipe {
  /** Saturation multiplier (0: monochrome). */
  sat: number;
  /** Contrast slope around mid-grey. */
  contrast: number;
  /** Added to every channel after contrast. */
  bright: number;
  /** Channel gains (warm: red up, blue down). */
  gain: [number, number, number];
  /** Blacks lifted to this level (a faded look). */
  lift: number;
  /** Corner darkening, 0-1. */
  vignette: number;
}

const r = (sat: number, contrast: number, bright: number, gain: [number, number, number], lift = 0, vignette = 0): Recipe => ({
  sat,
  contrast,
  bright,
  gain,
  lift,
  vignette,
});

const ART_FILTERS = {
  al_dente: r(0.9, 1.1, 5, [1.08, 1.0, 0.88], 10),
  athena: r(0.85, 0.9, 12, [1.02, 1.0, 0.98], 15),
  audrey: r(0, 1.3, 0, [1, 1, 1]),
  aurora: r(1.2, 1.05, 5, [0.95, 1.02, 1.12]),
  daguerre: r(0.25, 1.15, -5, [1.12, 1.0, 0.8], 20, 0.4),
  eucalyptus: r(0.75, 1.0, 0, [0.92, 1.08, 0.98], 8),
  fes: r(0.8, 0.95, 8, [1.1, 1.0, 0.9], 25),
  frost: r(0.6, 0.95, 15, [0.9, 1.0, 1.15], 10),
  hairspray: r(1.05, 1.0, 18, [1.1, 1.02, 0.92]),
  hokusai: r(1.35, 1.2, 0, [0.9, 1.02, 1.1]),
  incognito: r(0, 0.8, -15, [1, 1, 1], 20),
  linen: r(0.7, 0.9, 12, [1.06, 1.02, 0.94], 18),
  peacock: r(1.4, 1.1, 0, [0.9, 1.05, 1.08]),
  primavera: r(1.1, 1.0, 10, [1.02, 1.08, 0.9]),
  quartz: r(0.9, 1.0, 12, [1.1, 0.96, 1.06], 10),
  red_rock: r(1.15, 1.15, 0, [1.18, 0.95, 0.85]),
  refresh: r(1.2, 1.05, 12, [1.0, 1.03, 1.0]),
  sizzle: r(1.3, 1.2, 0, [1.12, 1.0, 0.88]),
  sonnet: r(0.6, 0.9, 5, [1.05, 1.0, 0.95], 15),
  ukulele: r(1.1, 1.0, 14, [1.1, 1.04, 0.9], 0, 0.3),
  zorro: r(0, 1.5, -10, [1, 1, 1], 0, 0.35),
} satisfies Record<string, Recipe>;
export type ArtFilter = keyof typeof ART_FILTERS;
export const ART_FILTER_NAMES = Object.keys(ART_FILTERS) as ArtFilter[];

/** A recipe without a vignette maps each pixel by its own colour alone. */
export const artIsPointwise = (name: ArtFilter) => !ART_FILTERS[name].vignette;

export function artFilter(img: Raster, name: ArtFilter): Raster {
  const f: Recipe = ART_FILTERS[name];
  const { width: w, height: h, data: s } = img;
  const data = new Uint8Array(s.length);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const out = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const l = luma(s[i], s[i + 1], s[i + 2]);
      let v = 1;
      if (f.vignette) {
        const dx = cx ? (x - cx) / cx : 0;
        const dy = cy ? (y - cy) / cy : 0;
        v = 1 - (f.vignette * (dx * dx + dy * dy)) / 2;
      }
      for (let c = 0; c < 3; c++) {
        const sat = l + (s[i + c] - l) * f.sat;
        const con = 128 + (sat - 128) * f.contrast + f.bright;
        const lifted = f.lift + (con * (255 - f.lift)) / 255;
        out[c] = lifted * f.gain[c] * v;
      }
      if (f.sat === 0) out[0] = out[1] = out[2] = luma(out[0], out[1], out[2]);
      data[i] = clamp255(out[0]);
      data[i + 1] = clamp255(out[1]);
      data[i + 2] = clamp255(out[2]);
      data[i + 3] = s[i + 3];
    }
  }
  return { data, width: w, height: h };
}
