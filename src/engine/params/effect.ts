import { badRequest } from '../../errors';
import type { ParamEntry } from '../registry-types';
import type { Raster } from '../raster';
import { blurSigma, gaussianBlur, pixelate, unsharp } from '../pixels/filter';
import { trim } from '../pixels/shape';
import * as tone from '../pixels/tone';
import { EFFECT_NAMES, type Color, type Effect, type EffectName, type Params } from '../types';
import { formatColor, formatNumber, invalid, parseColor, parseNumber } from '../values';

interface EffectSpec {
  /** The level's range and default (Cloudinary's); no range means the effect takes no level. */
  range?: [min: number, max: number, fallback: number];
  /** Whether a colour may follow the level (`e_tint:50:blue`, `e_trim:10:white`). */
  color?: boolean;
  apply(img: Raster, level: number, color: Color | undefined, component: Params): Raster;
}

const GRAY: Color = { r: 128, g: 128, b: 128, a: 255 };
const RED: Color = { r: 255, g: 0, b: 0, a: 255 };

/** Every effect this worker runs: Cloudinary's level range and default, and the pixel operation. */
const EFFECTS: Record<EffectName, EffectSpec> = {
  grayscale: { apply: (img) => tone.grayscale(img) },
  blackwhite: { range: [0, 100, 50], apply: (img, l) => tone.blackwhite(img, l) },
  sepia: { range: [1, 100, 80], apply: (img, l) => tone.sepia(img, l) },
  negate: { apply: (img) => tone.negate(img) },
  blur: { range: [1, 2000, 100], apply: (img, l) => gaussianBlur(img, blurSigma(l)) },
  pixelate: { range: [1, 200, 5], apply: (img, l) => pixelate(img, Math.round(l)) },
  sharpen: { range: [1, 2000, 100], apply: (img, l) => unsharp(img, 1, l / 100) },
  unsharp_mask: { range: [1, 2000, 100], apply: (img, l) => unsharp(img, 2, l / 200) },
  brightness: { range: [-99, 100, 80], apply: (img, l) => tone.brightness(img, l) },
  contrast: { range: [-100, 100, 0], apply: (img, l) => tone.contrast(img, l) },
  saturation: { range: [-100, 100, 80], apply: (img, l) => tone.saturation(img, l) },
  hue: { range: [-100, 100, 80], apply: (img, l) => tone.hue(img, l) },
  gamma: { range: [-50, 150, 0], apply: (img, l) => tone.gamma(img, l) },
  vibrance: { range: [-100, 100, 20], apply: (img, l) => tone.vibrance(img, l) },
  colorize: { range: [0, 100, 100], apply: (img, l, _c, p) => tone.colorize(img, l, p.co ?? GRAY) },
  tint: { range: [0, 100, 60], color: true, apply: (img, l, c) => tone.tint(img, l, c ?? RED) },
  vignette: { range: [0, 100, 20], apply: (img, l) => tone.vignette(img, l) },
  trim: { range: [0, 100, 10], color: true, apply: (img, l, c) => trim(img, l, c) },
};

/** Cloudinary effects we know of but do not run: refused by name rather than called invalid. */
const UNSUPPORTED =
  /^(art|cartoonify|oil_paint|shadow|outline|gradient_fade|background_removal|bgremoval|make_transparent|replace_color|upscale|improve|auto_(brightness|contrast|color|enhance)|viesus_correct|fill_light|redeye|adv_redeye|distort|shear|displace|style_transfer|gen_\w+|blur_faces|blur_region|pixelate_faces|pixelate_region|red|green|blue|assist_colorblind|simulate_colorblind|anti_removal|cut_out|mask|multiply|screen|overlay|light|noise|ordered_dither|vectorize|zoompan|loop|boomerang|accelerate|reverse|fade|preview|volume|transition|deshake|theme|dropshadow|extract|swap_image)$/;

export const e: ParamEntry<'e'> = {
  key: 'e',
  parse(raw): Effect {
    const [name, ...args] = raw.split(':');
    const spec = (EFFECT_NAMES as readonly string[]).includes(name) ? EFFECTS[name as EffectName] : undefined;
    if (!spec) {
      if (UNSUPPORTED.test(name)) throw badRequest(`Effect ${name} is not supported`);
      throw invalid('effect', raw);
    }
    const effect: Effect = { name: name as EffectName };
    if (!spec.range) {
      if (args.length) throw invalid('effect', raw);
      return effect;
    }
    const [min, max, fallback] = spec.range;
    if (args.length > (spec.color ? 2 : 1)) throw invalid('effect', raw);
    try {
      effect.level = args[0] === undefined || args[0] === '' ? fallback : parseNumber('effect', args[0], min, max);
      if (args[1] !== undefined) effect.color = parseColor('effect', args[1]);
    } catch {
      throw invalid('effect', raw);
    }
    return effect;
  },
  canonical: (v) =>
    [v.name, v.level !== undefined ? formatNumber(v.level) : '', v.color ? formatColor(v.color) : ''].filter(Boolean).join(':'),
  effect: {
    order: 20,
    apply: (img, v, component) => EFFECTS[v.name].apply(img, v.level ?? 0, v.color, component),
  },
};
