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

export const CROP_MODES = ['scale', 'fit', 'limit', 'mfit', 'fill', 'lfill', 'fill_pad', 'pad', 'lpad', 'mpad', 'crop', 'thumb'] as const;
export type CropMode = (typeof CROP_MODES)[number];

export const COMPASS = ['north_west', 'north', 'north_east', 'west', 'center', 'east', 'south_west', 'south', 'south_east'] as const;
export type Compass = (typeof COMPASS)[number];

/** Where a crop or a pad places the region: a compass point, the `x`/`y` point itself, or the most detailed region. */
export type Gravity = { kind: 'compass'; dir: Compass } | { kind: 'xy_center' } | { kind: 'auto' };

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

export const OUTPUT_FORMATS = ['jpg', 'png', 'webp', 'avif', 'gif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export type QualityLevel = 'best' | 'good' | 'eco' | 'low';
export type Quality = { kind: 'fixed'; value: number } | { kind: 'auto'; level: QualityLevel };

export const FLAGS = ['progressive', 'strip_profile', 'keep_iptc', 'attachment', 'png8', 'lossy', 'animated', 'ignore_aspect_ratio'] as const;
export type FlagName = (typeof FLAGS)[number];
export interface Flags {
  names: FlagName[];
  /** `fl_attachment:<name>`: the download file name. */
  attachmentName?: string;
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
  b?: Color;
  a?: Angle;
  f?: OutputFormat | 'auto';
  q?: Quality;
  fl?: Flags;
}
export type ParamKey = keyof Params;

export interface Component {
  params: Params;
  /** The component's canonical string: items sorted by key, values in canonical spelling. */
  canonical: string;
}

/** What the client asked to receive, gathered from every component (the last one wins). */
export interface OutputSpec {
  format?: OutputFormat | 'auto';
  quality?: Quality;
  flags: Set<FlagName>;
  attachmentName?: string;
}

export interface Plan {
  components: Component[];
  output: OutputSpec;
  /** Components' canonical strings joined with `/`: the cache key and the derived-object key come from it. */
  canonical: string;
  /** Whether the result depends on request headers (`Accept` for f_auto/q_auto, `DPR` for dpr_auto). */
  dependsOn: { accept: boolean; dpr: boolean };
}
