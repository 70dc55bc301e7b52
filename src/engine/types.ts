import type { Dynamic } from './expressions/ast';

/**
 * The typed values a transformation parses into. Nothing past the parser sees
 * a raw `k_v` string: the engine, the cache key and the derived-object key all
 * work from these.
 */

/** A pixel length, or a fraction of the current image's size (`w_0.5`, any value written with a decimal point). */
export interface Length {
  value: number;
  relative: boolean;
}

/** Straight (not premultiplied) RGBA, each 0-255. */
export interface Color {
  r: number;
  g: number;
  b: number;
  a: number;
}

export const CROP_MODES = [
  'scale',
  'fit',
  'limit',
  'mfit',
  'fill',
  'lfill',
  'fill_pad',
  'pad',
  'lpad',
  'mpad',
  'crop',
  'thumb',
  'auto',
] as const;
type CropMode = (typeof CROP_MODES)[number];

export const COMPASS = ['north_west', 'north', 'north_east', 'west', 'center', 'east', 'south_west', 'south', 'south_east'] as const;
export type Compass = (typeof COMPASS)[number];

/** A rectangle in pixels of an image: stored custom or face coordinates. */
export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where a crop or a pad places the region: a compass point, the `x`/`y` point
 * itself, the most detailed region, the stored custom coordinates (`g_custom`,
 * with the fallback named after it), or an area of the image entering the
 * component (what `g_custom` becomes once the coordinates are known).
 */
export type Gravity =
  | { kind: 'compass'; dir: Compass }
  | { kind: 'xy_center' }
  | { kind: 'auto' }
  | { kind: 'custom'; fallback?: 'face' | 'faces' }
  | FaceGravity
  | { kind: 'area'; area: Area };

/**
 * `g_face` (the largest face), `g_faces` (every face), with what stands in
 * when no face is found: north for the plain forms, the centre for
 * `:center`, the content-aware region for `:auto` and `g_auto:faces`.
 * `raw` is the gravity as written (its canonical form).
 */
export interface FaceGravity {
  kind: 'faces';
  raw: string;
  all: boolean;
  fallback: 'north' | 'center' | 'auto';
}

/** `a_`: an angle in degrees (clockwise) and the modes joined to it with `.`. */
export interface Angle {
  degrees: number;
  hflip: boolean;
  vflip: boolean;
  /** `a_ignore`: do not apply the EXIF orientation. */
  ignoreExif: boolean;
  /** `a_auto_right`/`a_auto_left`: turn by 90° when the requested box's orientation differs from the image's. */
  auto?: 'right' | 'left';
}

export type Dpr = number | 'auto';

export const OUTPUT_FORMATS = ['jpg', 'png', 'webp', 'avif', 'gif', 'svg'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * `cs_` values the engine applies: every web output is sRGB (embedded
 * profiles and CMYK are converted by the codec module), so `srgb` and
 * `no_cmyk` ask for what happens anyway; `tinysrgb` also embeds a small sRGB profile.
 */
export type ColourSpace = 'srgb' | 'tinysrgb' | 'no_cmyk';

export type QualityLevel = 'best' | 'good' | 'eco' | 'low';
export type Quality = { kind: 'fixed'; value: number } | { kind: 'auto'; level: QualityLevel };

export const FLAGS = [
  'progressive',
  'strip_profile',
  'keep_iptc',
  'attachment',
  'png8',
  'lossy',
  'animated',
  'ignore_aspect_ratio',
  'layer_apply',
  'relative',
  'tiled',
  'getinfo',
  /** Layers never extend the image's canvas here (they are clipped to it), which is what `fl_no_overflow` asks for. */
  'no_overflow',
  /** Text layers: keep a small padding around the text instead of trimming the image to the ink. */
  'text_no_trim',
  /** Text layers: a text layer that would not fit inside the image is an error, not clipped. */
  'text_disallow_overflow',
  /** Animated WebP and animated PNG output of an animated source (or e_zoompan). */
  'awebp',
  'apng',
] as const;
export type FlagName = (typeof FLAGS)[number];
export interface Flags {
  names: FlagName[];
  /** `fl_attachment:<name>`: the download file name. */
  attachmentName?: string;
}

/** `d_`: the image delivered when the requested one is missing or rejected. */
export interface DefaultImage {
  publicId: string;
  format?: string;
}

/** Effects that say how a layer combines with the image below it (with `fl_layer_apply`, or in the layer's own component). */
export const BLEND_MODES = ['multiply', 'screen', 'overlay', 'mask', 'cut_out'] as const;
export type BlendMode = (typeof BLEND_MODES)[number];

export const EFFECT_NAMES = [
  'grayscale',
  'blackwhite',
  'sepia',
  'negate',
  'blur',
  'pixelate',
  'sharpen',
  'unsharp_mask',
  'brightness',
  'contrast',
  'saturation',
  'hue',
  'gamma',
  'vibrance',
  'colorize',
  'tint',
  'vignette',
  'trim',
  'redeye',
  'blur_faces',
  'pixelate_faces',
  ...BLEND_MODES,
  'shadow',
  'outline',
  'gradient_fade',
  'make_transparent',
  'replace_color',
  'improve',
  'auto_brightness',
  'auto_contrast',
  'auto_color',
  'noise',
  'red',
  'green',
  'blue',
  'blur_region',
  'pixelate_region',
  'fill_light',
  'vectorize',
  'cartoonify',
  'oil_paint',
  'art',
  'distort',
  'shear',
  /** Timeline effects of an animation (src/engine/animation/): no pixel step. */
  'loop',
  'boomerang',
  'zoompan',
] as const;
export type EffectName = (typeof EFFECT_NAMES)[number];

/** `e_<name>[:<level>]`; `tint` and `trim` may also carry a colour (`e_tint:50:blue`, `e_trim:10:white`). */
export interface Effect {
  name: EffectName;
  /** The level as given or the effect's default; undefined for effects without one (grayscale, negate). */
  level?: number;
  color?: Color;
  /** `e_tint:equalize:...`: spread the levels before tinting. */
  equalize?: boolean;
  /** `e_tint`'s colours, each with its position along the luminance (0-1) when given (`blue:20p`). */
  stops?: { color: Color; at?: number }[];
  /** A named variant: `e_outline:inner`, `e_gradient_fade:symmetric`, `e_improve:indoor`, `e_art:zorro`, `e_distort:arc`, `e_cartoonify::bw`. */
  mode?: string;
  /** Further numbers after the level, in the effect's order: outline's blur, fill_light's bias, cartoonify's colour reduction, distort's corners or arc, shear's angles, vectorize's detail/despeckle/paths/corners. */
  values?: number[];
  /** `e_replace_color`'s colour to replace (the predominant colour when not given); `color` is the colour it becomes. */
  from?: Color;
  /** `e_blur_faces`/`e_pixelate_faces`: the faces, in pixels of the image the effect applies to (filled in once they are known). */
  faces?: Area[];
  /** `e_zoompan:<options>`: the camera's path over a still image. */
  zoompan?: ZoomPan;
}

/** One end of `e_zoompan`'s path: where the view is centred and how far it is zoomed in (1: the whole image). */
export interface ZoomPanPoint {
  gravity?: Compass;
  zoom?: number;
  /** Fractions of the image (0-1) or pixels, as `x_`/`y_` are. */
  x?: Length;
  y?: Length;
}

/** `e_zoompan[:mode_<m>][;maxzoom_<z>][;du_<s>][;fps_<f>][;from_(...)][;to_(...)]`. */
export interface ZoomPan {
  mode?: string;
  maxzoom?: number;
  du?: number;
  fps?: number;
  from?: ZoomPanPoint;
  to?: ZoomPanPoint;
}

/** `b_auto[:<mode>[:<count>][:<direction>][:palette_...]]`: padding coloured from the image itself. */
export interface AutoBackground {
  kind: 'auto';
  /** `border` (the default) reads the image's edges, `predominant` the whole image. */
  source: 'border' | 'predominant';
  /** `_contrast`: the colour opposite the one found. */
  contrast: boolean;
  /** `_gradient`: a gradient of the 2 or 4 most common colours. */
  gradient?: { colors: 2 | 4; direction: 'horizontal' | 'vertical' | 'diagonal_desc' | 'diagonal_asc' };
  /** `palette_<colour>_...`: the colours found are replaced by the nearest of these. */
  palette?: Color[];
}

/** `b_blurred[:<intensity>[:<brightness>]]`: the image itself, enlarged and blurred, behind the padding. */
interface BlurredBackground {
  kind: 'blurred';
  intensity: number;
  brightness: number;
}

/** `b_`: a colour, or what pads take from the image. */
export type Background = Color | AutoBackground | BlurredBackground;

/** `r_`: corner radii in pixels clockwise from the top left, or `max` (a circle or an ellipse). */
export type Radius = { kind: 'max' } | { kind: 'px'; corners: [number, number, number, number] };

/** `bo_<width>px_solid_<colour>`. */
export interface Border {
  width: number;
  color: Color;
}

/** What an overlay (`l_`) or an underlay (`u_`) shows. */
/** The delivery types an image layer may name besides the default `upload`. */
export type LayerAssetType = 'private' | 'authenticated';

export type Layer =
  /**
   * Another image of the cloud. `format`: the layer id's extension (`l_folder:logo.png`), which is
   * no part of the public id; `type` as the SDKs write it (`l_private:<id>`), absent for `upload`.
   */
  | { kind: 'asset'; publicId: string; format?: string; type?: LayerAssetType }
  | { kind: 'fetch'; url: string }
  | { kind: 'text'; text: string; font: TextFont }
  | { kind: 'text_style'; text: string; stylePublicId: string };

/** The `<family>_<size>[_bold|_italic|...]` part of `l_text:`. */
export interface TextFont {
  /** A family name (`Arial`), or the public id of an uploaded raw font file with its extension (`fonts/MyFont.ttf`). */
  family: string;
  size: number;
  weight: 'normal' | 'bold' | 'light' | 'thin' | 'black' | 'semibold' | 'extrabold' | 'medium';
  style: 'normal' | 'italic';
  decoration: 'none' | 'underline' | 'strikethrough';
  align: 'left' | 'center' | 'right' | 'start' | 'end' | 'justify';
  letterSpacing?: number;
  lineSpacing?: number;
  /** `stroke`: outline the glyphs with the component's `bo_` (1px black without one). */
  stroke?: boolean;
  /** Antialiasing and hinting are accepted for compatibility; the renderer always antialiases. */
  extras: string[];
}

/** One component (one `/`-separated segment): each key at most once. */
export interface Params {
  w?: Length;
  h?: Length;
  ar?: number;
  c?: CropMode;
  g?: Gravity;
  x?: Length;
  y?: Length;
  z?: number;
  dpr?: Dpr;
  b?: Background;
  a?: Angle;
  f?: OutputFormat | 'auto';
  q?: Quality;
  fl?: Flags;
  cs?: ColourSpace;
  d?: DefaultImage;
  e?: Effect;
  co?: Color;
  o?: number;
  r?: Radius;
  bo?: Border;
  l?: Layer;
  u?: Layer;
  /** `pg_<n>`: the page (frame) of a multi-frame source, 1-based; `pg_2-4;6;8-`: the frames an animation keeps. */
  pg?: Pages;
  /** `dl_<ms>`: the delay between an animation's frames, in milliseconds. */
  dl?: number;
}

/** `pg_`: one page, or ranges of frames (`to` absent: to the last frame). */
export type Pages = number | { ranges: { from: number; to?: number }[] };
export type ParamKey = keyof Params;

export interface Component {
  params: Params;
  /** The component's canonical string: `if_`, then `$name_` in their order, then items sorted by key, values in canonical spelling. */
  canonical: string;
  /** Conditions, variables and expression values: evaluated once the image entering the component is known (resolve-plan.ts). */
  dynamic?: Dynamic;
}

/** What the client asked to receive, gathered from every component (the last one wins). */
export interface OutputSpec {
  format?: OutputFormat | 'auto';
  quality?: Quality;
  flags: Set<FlagName>;
  attachmentName?: string;
  colourSpace?: ColourSpace;
}

export interface Plan {
  components: Component[];
  output: OutputSpec;
  /** Components' canonical strings joined with `/`: the cache key and the derived-object key come from it. */
  canonical: string;
  /** Whether the result depends on request headers (`Accept` for f_auto/q_auto, `DPR` for dpr_auto, `Width` for w_auto). */
  dependsOn: { accept: boolean; dpr: boolean; width?: boolean };
}
