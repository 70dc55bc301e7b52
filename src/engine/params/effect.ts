import { badRequest } from '../../errors';
import type { ParamEntry } from '../registry-types';
import type { Raster } from '../raster';
import { blurSigma, gaussianBlur, pixelate, unsharp } from '../pixels/filter';
import { trim } from '../pixels/shape';
import { tintImage } from '../pixels/tint';
import { redeye } from '../pixels/redeye';
import { filterFaces } from '../pixels/face-regions';
import * as tone from '../pixels/tone';
import { EFFECT_NAMES, type Color, type Effect, type EffectName, type Length, type Params } from '../types';
import { formatZoomPan, parseZoomPan } from './zoompan';
import { formatColor, formatNumber, invalid, parseColor, parseNumber } from '../values';
import * as adjust from '../pixels/adjust';
import { artFilter, artIsPointwise, ART_FILTER_NAMES, type ArtFilter } from '../pixels/art-filters';
import { cartoonify, oilPaint } from '../pixels/artistic';
import { makeTransparent, replaceColor } from '../pixels/colour-select';
import { gradientFade, type FadeEdge } from '../pixels/fade';
import { renderPosterized, vectorRegions } from '../pixels/posterize';
import { withinRegion, type Region } from '../pixels/region';
import { checkOffset, outline, OUTLINE_MODES, shadow, type OutlineMode } from '../pixels/silhouette';
import { arc, distort, shear } from '../pixels/warp';

interface EffectSpec {
  /** The level's range and default (Cloudinary's); no range means the effect takes no level. */
  range?: [min: number, max: number, fallback: number];
  /** Parses what follows the level when the effect takes more than a level (`e_trim:10:white`, `e_tint:equalize:80:red:blue`). */
  args?: (effect: Effect, args: string[], raw: string) => void;
  /** Parses every argument itself: effects whose first argument is not the level (`e_outline:inner:5`, `e_art:zorro`). */
  parse?: (args: string[], raw: string) => Omit<Effect, 'name'>;
  /** The canonical arguments of an effect with its own `parse` (re-parsed by it to the same value). */
  format?: (effect: Effect) => (string | number | undefined)[];
  apply(img: Raster, effect: Effect, component: Params): Raster;
  /** A point operation (see PixelEffect.pointwise): per pixel, no neighbours, no position, no statistics of the image. */
  pointwise?: true | ((effect: Effect) => boolean);
}

const BLACK: Color = { r: 0, g: 0, b: 0, a: 255 };
const WHITE: Color = { r: 255, g: 255, b: 255, a: 255 };
const GRAY: Color = { r: 128, g: 128, b: 128, a: 255 };
const RED: Color = { r: 255, g: 0, b: 0, a: 255 };
const level = (e: Effect) => e.level ?? 0;

/** A blend mode is the layer's business (layers.ts takes it out of the layer's components): anywhere else it has nothing to blend. */
const blendOutsideLayer = (name: string) => (): Raster => {
  throw badRequest(`Effect ${name} blends an overlay with the image: use it with l_ and fl_layer_apply`);
};

/** Every effect this worker runs: Cloudinary's level range and default, and the pixel operation. */
const EFFECTS: Record<EffectName, EffectSpec> = {
  grayscale: { pointwise: true, apply: (img) => tone.grayscale(img) },
  blackwhite: { pointwise: true, range: [0, 100, 50], apply: (img, e) => tone.blackwhite(img, level(e)) },
  sepia: { pointwise: true, range: [1, 100, 80], apply: (img, e) => tone.sepia(img, level(e)) },
  negate: { pointwise: true, apply: (img) => tone.negate(img) },
  blur: { range: [1, 2000, 100], apply: (img, e) => gaussianBlur(img, blurSigma(level(e))) },
  pixelate: { range: [1, 200, 5], apply: (img, e) => pixelate(img, Math.round(level(e))) },
  sharpen: { range: [1, 2000, 100], apply: (img, e) => unsharp(img, 1, level(e) / 100) },
  unsharp_mask: { range: [1, 2000, 100], apply: (img, e) => unsharp(img, 2, level(e) / 200) },
  brightness: { pointwise: true, range: [-99, 100, 80], apply: (img, e) => tone.brightness(img, level(e)) },
  contrast: { pointwise: true, range: [-100, 100, 0], apply: (img, e) => tone.contrast(img, level(e)) },
  saturation: { pointwise: true, range: [-100, 100, 80], apply: (img, e) => tone.saturation(img, level(e)) },
  hue: { pointwise: true, range: [-100, 100, 80], apply: (img, e) => tone.hue(img, level(e)) },
  gamma: { pointwise: true, range: [-50, 150, 0], apply: (img, e) => tone.gamma(img, level(e)) },
  vibrance: { pointwise: true, range: [-100, 100, 20], apply: (img, e) => tone.vibrance(img, level(e)) },
  colorize: { pointwise: true, range: [0, 100, 100], apply: (img, e, p) => tone.colorize(img, level(e), p.co ?? GRAY) },
  tint: {
    // `equalize` first spreads the image's own histogram: that needs the whole image.
    pointwise: (e) => !e.equalize,
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
  // The faces come from resolve-plan.ts once they are known (detected, or given with face_coordinates).
  blur_faces: { range: [1, 2000, 500], apply: (img, e) => filterFaces(img, e.faces, (f) => gaussianBlur(f, blurSigma(level(e)))) },
  pixelate_faces: { range: [1, 200, 5], apply: (img, e) => filterFaces(img, e.faces, (f) => pixelate(f, Math.round(level(e)))) },
  multiply: { apply: blendOutsideLayer('multiply') },
  screen: { apply: blendOutsideLayer('screen') },
  overlay: { apply: blendOutsideLayer('overlay') },
  mask: { apply: blendOutsideLayer('mask') },
  cut_out: { apply: blendOutsideLayer('cut_out') },
  shadow: {
    range: [0, 100, 40],
    apply(img, e, p) {
      const dx = Math.round(length(p.x, img.width) ?? SHADOW_OFFSET);
      const dy = Math.round(length(p.y, img.height) ?? SHADOW_OFFSET);
      checkOffset(dx, dy, img.width, img.height);
      return shadow(img, level(e), p.co ?? BLACK, dx, dy);
    },
  },
  outline: {
    parse(args, raw) {
      const mode = takeMode(args);
      if (mode !== undefined && !(OUTLINE_MODES as readonly string[]).includes(mode)) throw invalid('effect', raw);
      if (args.length > 2) throw invalid('effect', raw);
      return { mode, level: arg(args[0], 1, 100, 5, raw), values: [arg(args[1], 0, 2000, 0, raw)] };
    },
    format: (e) => [...optional(e.mode), e.level, e.values?.[0]],
    apply: (img, e, p) => outline(img, e.mode as OutlineMode | undefined, level(e), e.values?.[0] ?? 0, p.co ?? BLACK),
  },
  gradient_fade: {
    parse(args, raw) {
      const mode = takeMode(args);
      if (mode !== undefined && mode !== 'symmetric' && mode !== 'symmetric_pad') throw invalid('effect', raw);
      if (args.length > 1) throw invalid('effect', raw);
      return { mode, level: arg(args[0], 0, 100, 20, raw) };
    },
    format: (e) => [...optional(e.mode), e.level],
    apply: (img, e, p) => gradientFade(img, fadeEdges(img, e, p), e.mode === 'symmetric_pad' ? padColor(p) : undefined),
  },
  make_transparent: { range: [0, 100, 10], apply: (img, e, p) => makeTransparent(img, level(e), p.co) },
  replace_color: {
    parse(args, raw) {
      if (!args[0] || args.length > 3) throw invalid('effect', raw);
      return {
        color: parseColor('effect', args[0]),
        level: arg(args[1], 0, 100, 50, raw),
        from: args[2] ? parseColor('effect', args[2]) : undefined,
      };
    },
    format: (e) => [e.color && formatColor(e.color), e.level, e.from && formatColor(e.from)],
    // Without `from`, the colour replaced is the image's predominant one: a statistic of the whole image.
    pointwise: (e) => e.from !== undefined,
    apply: (img, e) => replaceColor(img, e.color ?? RED, level(e), e.from),
  },
  improve: {
    parse(args, raw) {
      const mode = takeMode(args);
      if (mode !== undefined && mode !== 'indoor' && mode !== 'outdoor') throw invalid('effect', raw);
      if (args.length > 1) throw invalid('effect', raw);
      return { mode, level: arg(args[0], 0, 100, 100, raw) };
    },
    format: (e) => [...optional(e.mode), e.level],
    apply: (img, e) => adjust.improve(img, e.mode as 'indoor' | 'outdoor' | undefined, level(e)),
  },
  auto_brightness: { range: [0, 100, 100], apply: (img, e) => adjust.autoBrightness(img, level(e)) },
  auto_contrast: { range: [0, 100, 100], apply: (img, e) => adjust.autoContrast(img, level(e)) },
  auto_color: { range: [0, 100, 100], apply: (img, e) => adjust.autoColor(img, level(e)) },
  noise: { range: [0, 100, 0], apply: (img, e) => adjust.noise(img, level(e)) },
  red: { pointwise: true, range: [-100, 100, 0], apply: (img, e) => adjust.channel(img, 0, level(e)) },
  green: { pointwise: true, range: [-100, 100, 0], apply: (img, e) => adjust.channel(img, 1, level(e)) },
  blue: { pointwise: true, range: [-100, 100, 0], apply: (img, e) => adjust.channel(img, 2, level(e)) },
  blur_region: {
    range: [1, 2000, 100],
    apply: (img, e, p) => withinRegion(img, regionOf(img, p), (part) => gaussianBlur(part, blurSigma(level(e)))),
  },
  pixelate_region: {
    range: [1, 200, 5],
    apply: (img, e, p) => withinRegion(img, regionOf(img, p), (part) => pixelate(part, Math.round(level(e)))),
  },
  fill_light: {
    parse(args, raw) {
      if (args.length > 2) throw invalid('effect', raw);
      return { level: arg(args[0], 0, 100, 100, raw), values: [arg(args[1], -100, 100, 0, raw)] };
    },
    format: (e) => [e.level, e.values?.[0]],
    apply: (img, e) => adjust.fillLight(img, level(e), e.values?.[0] ?? 0),
  },
  vectorize: {
    parse(args, raw) {
      if (args.length > 5) throw invalid('effect', raw);
      return {
        level: Math.round(arg(args[0], 2, 30, 10, raw)),
        values: [
          arg(args[1], 0, 1000, 300, raw),
          arg(args[2], 0, 100, 2, raw),
          arg(args[3], 0, 100, 100, raw),
          arg(args[4], 0, 100, 25, raw),
        ],
      };
    },
    format: (e) => [e.level, ...(e.values ?? [])],
    apply: (img, e) => renderPosterized(vectorRegions(img, e), img.width, img.height),
  },
  cartoonify: {
    parse(args, raw) {
      if (args.length > 2) throw invalid('effect', raw);
      const bw = args[1] === 'bw';
      return {
        level: arg(args[0], 0, 100, 50, raw),
        mode: bw ? 'bw' : undefined,
        values: bw ? undefined : [arg(args[1], 0, 100, 50, raw)],
      };
    },
    format: (e) => [e.level, e.mode ?? e.values?.[0]],
    apply: (img, e) => cartoonify(img, level(e), e.values?.[0] ?? 100, e.mode === 'bw'),
  },
  oil_paint: { range: [0, 100, 30], apply: (img, e) => oilPaint(img, level(e)) },
  art: {
    parse(args, raw) {
      if (args.length !== 1 || !(ART_FILTER_NAMES as string[]).includes(args[0])) throw invalid('effect', raw);
      return { mode: args[0] };
    },
    format: (e) => [e.mode],
    // The recipes with a vignette darken by position.
    pointwise: (e) => artIsPointwise(e.mode as ArtFilter),
    apply: (img, e) => artFilter(img, e.mode as ArtFilter),
  },
  distort: {
    parse(args, raw) {
      if (args[0] === 'arc') {
        if (args.length !== 2) throw invalid('effect', raw);
        const degrees = arg(args[1], -360, 360, 0, raw);
        if (degrees === 0) throw invalid('effect', raw);
        return { mode: 'arc', values: [degrees] };
      }
      if (args.length !== 8 || args.some((a) => a === '')) throw invalid('effect', raw);
      return { values: args.map((a) => arg(a, -MAX_CORNER, MAX_CORNER, 0, raw)) };
    },
    format: (e) => [...optional(e.mode), ...(e.values ?? [])],
    apply: (img, e) => (e.mode === 'arc' ? arc(img, e.values?.[0] ?? 0) : distort(img, e.values ?? [])),
  },
  shear: {
    parse(args, raw) {
      if (args.length < 1 || args.length > 2 || args[0] === '') throw invalid('effect', raw);
      return { values: [arg(args[0], -359, 359, 0, raw), arg(args[1], -359, 359, 0, raw)] };
    },
    format: (e) => e.values ?? [],
    apply: (img, e) => shear(img, e.values?.[0] ?? 0, e.values?.[1] ?? 0),
  },
  // Timeline effects: the animation runner reads them (src/engine/animation/); a still passes through unchanged.
  loop: { range: [0, 65535, 0], apply: (img) => img },
  boomerang: { apply: (img) => img },
  zoompan: { apply: (img) => img },
};

/** Our default shadow offset when no `x_`/`y_` is given (Cloudinary does not document its own). */
const SHADOW_OFFSET = 8;
/** Corner coordinates of `e_distort`, in pixels either way (the warp itself bounds the result's size). */
const MAX_CORNER = 16384;

/** A leading named variant (`e_outline:inner:5`); an empty one (`e_outline::5`) is the default. */
function takeMode(args: string[]): string | undefined {
  if (args[0] === '') args.shift();
  else if (args[0] !== undefined && !isNumber(args[0])) return args.shift();
  return undefined;
}

const optional = (mode: string | undefined) => (mode === undefined ? [] : [mode]);

const isNumber = (s: string) => /^-?[\d.]+$/.test(s);

/** An optional numeric argument: empty or missing takes the default; out of range is the effect's 400. */
function arg(raw: string | undefined, min: number, max: number, fallback: number, whole: string): number {
  if (raw === undefined || raw === '') return fallback;
  try {
    return parseNumber('effect', raw, min, max);
  } catch {
    throw invalid('effect', whole);
  }
}

/** A Length from the component in pixels of the image the effect runs on (relative ones are fractions of `whole`). */
const length = (l: Length | undefined, whole: number) => (l === undefined ? undefined : l.relative ? l.value * whole : l.value);

/** `x_`, `y_`, `w_`, `h_` of a region effect; the whole image when none is given. */
function regionOf(img: Raster, p: Params): Region {
  return {
    x: length(p.x, img.width) ?? 0,
    y: length(p.y, img.height) ?? 0,
    width: length(p.w, img.width) ?? img.width,
    height: length(p.h, img.height) ?? img.height,
  };
}

/** The pad colour `symmetric_pad` fades into: the component's `b_` colour, else white. */
const padColor = (p: Params): Color => (p.b && 'r' in p.b ? p.b : WHITE);

/**
 * Which edges `e_gradient_fade` fades: `x_` fades the left edge (negative: the
 * right), `y_` the top (negative: the bottom), over |value| pixels or that
 * fraction of the side; without either, the left edge over strength % of the
 * width. `symmetric` adds the opposite edge.
 */
function fadeEdges(img: Raster, e: Effect, p: Params): FadeEdge[] {
  const edges: FadeEdge[] = [];
  const x = length(p.x, img.width);
  const y = length(p.y, img.height);
  if (x) edges.push({ side: x > 0 ? 'left' : 'right', length: Math.abs(x) });
  if (y) edges.push({ side: y > 0 ? 'top' : 'bottom', length: Math.abs(y) });
  if (!edges.length) edges.push({ side: 'left', length: (level(e) / 100) * img.width });
  if (e.mode) {
    const opposite = { left: 'right', right: 'left', top: 'bottom', bottom: 'top' } as const;
    for (const edge of [...edges]) edges.push({ side: opposite[edge.side], length: edge.length });
  }
  return edges.filter((edge) => edge.length >= 1);
}

/** Cloudinary effects we know of but do not run: refused by name rather than called invalid. */
const UNSUPPORTED =
  /^(background_removal|bgremoval|upscale|auto_enhance|viesus_correct|adv_redeye|displace|style_transfer|gen_\w+|assist_colorblind|simulate_colorblind|anti_removal|light|ordered_dither|accelerate|reverse|fade|preview|volume|transition|deshake|theme|dropshadow|extract|swap_image)$/;

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
    if (spec.parse) {
      const parsed = spec.parse([...rest], raw);
      for (const [k, v] of Object.entries(parsed)) if (v !== undefined) Object.assign(effect, { [k]: v });
      return effect;
    }
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
  canonical: (v) => {
    const own = EFFECTS[v.name].format;
    if (own) return [v.name, ...own(v).map((a) => (typeof a === 'number' ? formatNumber(a) : (a ?? '')))].join(':').replace(/:+$/, '');
    return [
      v.name,
      v.equalize ? 'equalize' : '',
      v.level !== undefined ? formatNumber(v.level) : '',
      v.color ? formatColor(v.color) : '',
      v.zoompan && formatZoomPan(v.zoompan),
      ...(v.stops ?? []).map((s) => formatColor(s.color) + (s.at !== undefined ? `:${formatNumber(Math.round(s.at * 1e4) / 100)}p` : '')),
    ]
      .filter(Boolean)
      .join(':');
  },
  effect: {
    order: 20,
    apply: (img, v, component) => EFFECTS[v.name].apply(img, v, component),
    pointwise: (v) => {
      const p = EFFECTS[v.name].pointwise;
      return p === true || (p !== undefined && p(v));
    },
  },
};
