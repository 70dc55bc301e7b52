import { badRequest } from '../../errors';
import type { ParamEntry } from '../registry-types';
import type { Raster } from '../raster';
import { blurSigma, gaussianBlur, pixelate, unsharp } from '../pixels/filter';
import { trim } from '../pixels/shape';
import { tintImage } from '../pixels/tint';
import { redeye } from '../pixels/redeye';
import * as tone from '../pixels/tone';
import { EFFECT_NAMES, type Color, type Effect, type EffectName, type Params } from '../types';
import { formatZoomPan, parseZoomPan } from './zoompan';
import { formatColor, formatNumber, invalid, parseColor, parseNumber } from '../values';

interface EffectSpec {
  /** The level's range and default (Cloudinary's); no range means the effect takes no level. */
  range?: [min: number, max: number, fallback: number];
  /** Parses what follows the level when the effect takes more than a level (`e_trim:10:white`, `e_tint:equalize:80:red:blue`). */
  args?: (effect: Effect, args: string[], raw: string) => void;
  apply(img: Raster, effect: Effect, component: Params): Raster;
}

const GRAY: Color = { r: 128, g: 128, b: 128, a: 255 };
const RED: Color = { r: 255, g: 0, b: 0, a: 255 };
const level = (e: Effect) => e.level ?? 0;

/** A blend mode is the layer's business (layers.ts takes it out of the layer's components): anywhere else it has nothing to blend. */
const blendOutsideLayer = (name: string) => (): Raster => {
  throw badRequest(`Effect ${name} blends an overlay with the image: use it with l_ and fl_layer_apply`);
};

/** Every effect this worker runs: Cloudinary's level range and default, and the pixel operation. */
const EFFECTS: Record<EffectName, EffectSpec> = {
  grayscale: { apply: (img) => tone.grayscale(img) },
  blackwhite: { range: [0, 100, 50], apply: (img, e) => tone.blackwhite(img, level(e)) },
  sepia: { range: [1, 100, 80], apply: (img, e) => tone.sepia(img, level(e)) },
  negate: { apply: (img) => tone.negate(img) },
  blur: { range: [1, 2000, 100], apply: (img, e) => gaussianBlur(img, blurSigma(level(e))) },
  pixelate: { range: [1, 200, 5], apply: (img, e) => pixelate(img, Math.round(level(e))) },
  sharpen: { range: [1, 2000, 100], apply: (img, e) => unsharp(img, 1, level(e) / 100) },
  unsharp_mask: { range: [1, 2000, 100], apply: (img, e) => unsharp(img, 2, level(e) / 200) },
  brightness: { range: [-99, 100, 80], apply: (img, e) => tone.brightness(img, level(e)) },
  contrast: { range: [-100, 100, 0], apply: (img, e) => tone.contrast(img, level(e)) },
  saturation: { range: [-100, 100, 80], apply: (img, e) => tone.saturation(img, level(e)) },
  hue: { range: [-100, 100, 80], apply: (img, e) => tone.hue(img, level(e)) },
  gamma: { range: [-50, 150, 0], apply: (img, e) => tone.gamma(img, level(e)) },
  vibrance: { range: [-100, 100, 20], apply: (img, e) => tone.vibrance(img, level(e)) },
  colorize: { range: [0, 100, 100], apply: (img, e, p) => tone.colorize(img, level(e), p.co ?? GRAY) },
  tint: {
    range: [0, 100, 60],
    args: parseTintStops,
    apply: (img, e) => tintImage(img, level(e), e.stops ?? [{ color: RED }], e.equalize ?? false),
  },
  vignette: { range: [0, 100, 20], apply: (img, e) => tone.vignette(img, level(e)) },
  trim: {
    range: [0, 100, 10],
    args(effect, args, raw) {
      if (args.length > 1) throw invalid('effect', raw);
      if (args[0]) effect.color = parseColor('effect', args[0]);
    },
    apply: (img, e) => trim(img, level(e), e.color),
  },
  redeye: { apply: (img) => redeye(img) },
  multiply: { apply: blendOutsideLayer('multiply') },
  screen: { apply: blendOutsideLayer('screen') },
  overlay: { apply: blendOutsideLayer('overlay') },
  mask: { apply: blendOutsideLayer('mask') },
  cut_out: { apply: blendOutsideLayer('cut_out') },
  // Timeline effects: the animation runner reads them (src/engine/animation/); a still passes through unchanged.
  loop: { range: [0, 65535, 0], apply: (img) => img },
  boomerang: { apply: (img) => img },
  zoompan: { apply: (img) => img },
};

/** Cloudinary effects we know of but do not run: refused by name rather than called invalid. */
const UNSUPPORTED =
  /^(art|cartoonify|oil_paint|shadow|outline|gradient_fade|background_removal|bgremoval|make_transparent|replace_color|upscale|improve|auto_(brightness|contrast|color|enhance)|viesus_correct|fill_light|adv_redeye|distort|shear|displace|style_transfer|gen_\w+|blur_faces|blur_region|pixelate_faces|pixelate_region|red|green|blue|assist_colorblind|simulate_colorblind|anti_removal|light|noise|ordered_dither|vectorize|accelerate|reverse|fade|preview|volume|transition|deshake|theme|dropshadow|extract|swap_image)$/;

/** Splits the arguments on `:`, keeping `rgb:<hex>` together as one colour. */
function splitArgs(raw: string): string[] {
  const parts = raw.split(':');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].toLowerCase() === 'rgb' && i + 1 < parts.length) out.push(`rgb:${parts[++i]}`);
    else out.push(parts[i]);
  }
  return out;
}

/** `e_tint[:equalize][:<level>][:<colour>[:<position>p]]...` (the level comes before the colours, so it was taken already). */
function parseTintStops(effect: Effect, args: string[], raw: string): void {
  const stops: NonNullable<Effect['stops']> = [];
  for (const arg of args) {
    const position = /^(\d+(?:\.\d+)?)p$/.exec(arg);
    if (position) {
      const last = stops[stops.length - 1];
      if (!last || last.at !== undefined || Number(position[1]) > 100) throw invalid('effect', raw);
      last.at = Number(position[1]) / 100;
    } else stops.push({ color: parseColor('effect', arg) });
  }
  if (stops.length) effect.stops = stops;
}

export const e: ParamEntry<'e'> = {
  key: 'e',
  parse(raw): Effect {
    if (raw === 'zoompan' || raw.startsWith('zoompan:')) return { name: 'zoompan', zoompan: parseZoomPan(raw.slice(8)) };
    const [name, ...rest] = splitArgs(raw);
    const spec = (EFFECT_NAMES as readonly string[]).includes(name) ? EFFECTS[name as EffectName] : undefined;
    if (!spec) {
      if (UNSUPPORTED.test(name)) throw badRequest(`Effect ${name} is not supported`);
      throw invalid('effect', raw);
    }
    const effect: Effect = { name: name as EffectName };
    if (!spec.range) {
      if (rest.length) throw invalid('effect', raw);
      return effect;
    }
    const args = [...rest];
    if (name === 'tint' && args[0] === 'equalize') {
      effect.equalize = true;
      args.shift();
    }
    const [min, max, fallback] = spec.range;
    try {
      const given = args.length && (args[0] === '' || /^-?[\d.]+$/.test(args[0])) ? args.shift() : undefined;
      effect.level = given === undefined || given === '' ? fallback : parseNumber('effect', given, min, max);
      if (args.length && !spec.args) throw invalid('effect', raw);
      spec.args?.(effect, args, raw);
    } catch {
      throw invalid('effect', raw);
    }
    return effect;
  },
  canonical: (v) =>
    [
      v.name,
      v.equalize ? 'equalize' : '',
      v.level !== undefined ? formatNumber(v.level) : '',
      v.color ? formatColor(v.color) : '',
      v.zoompan && formatZoomPan(v.zoompan),
      ...(v.stops ?? []).map((s) => formatColor(s.color) + (s.at !== undefined ? `:${formatNumber(Math.round(s.at * 1e4) / 100)}p` : '')),
    ]
      .filter(Boolean)
      .join(':'),
  effect: {
    order: 20,
    apply: (img, v, component) => EFFECTS[v.name].apply(img, v, component),
  },
};
