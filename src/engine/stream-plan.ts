import { JPEG_COEFFICIENT_BYTES, MAX_OPTIMIZE_BYTES } from './costs';
import { planGeometry } from './geometry';
import { REGISTRY } from './registry';
import type { Resolved } from './negotiate';
import type { SourceInfo } from './inspect';
import { pngHasAlpha, pngHeader } from './codecs/png-rows';
import { readHeif } from './heif-container';
import { stillLossyWebp } from './codecs/webp/still-lossy';
import type { PixelEffect } from './registry-types';
import type { FlagName, ParamKey, Params, Plan } from './types';

/**
 * When a request can run as one strip-wise JPEG transcode (the codec module
 * decodes 16 rows at a time straight into the encoder; see
 * codecs/pipeline.ts `transcodeJpeg`): a JPEG source delivered at its own size
 * as JPEG or lossy WebP, with nothing that needs the whole frame. That is the
 * most common Cloudinary URL (`f_auto,q_auto/<photo>`), and the one whose
 * whole-frame cost grows with the photo's area. A HEIC delivered at its own
 * size as JPEG (`f_jpg/<phone photo>`) runs the same way, tile rows into a
 * baseline JPEG encoder (a quarter-turned one through an RGB frame, as below).
 *
 * An EXIF orientation other than 1 (a portrait phone photo) needs the whole
 * frame: the module then decodes it once (3 bytes per pixel, RGB) and
 * gathers the encoder's rows from it already turned, the least a quarter turn
 * can hold. Not here: pixel effects, layers, crops and resizes.
 */
export interface StreamPlan {
  target: 'jpg' | 'webp';
  width: number;
  height: number;
  progressive: boolean;
  /** JPEG output only: the encoder keeps the whole image's coefficients (progressive, or optimised Huffman tables while small enough). */
  wholeImage: boolean;
  /** The EXIF orientation applied while encoding (1: none, rows go straight through). */
  orientation: number;
}

/** Keys that change no pixel of a same-size JPEG delivery (besides the geometry keys, checked by planning them). */
const NEUTRAL: ReadonlySet<ParamKey> = new Set<ParamKey>(['f', 'q', 'fl', 'dpr', 'd', 'pg', 'w', 'h', 'c', 'ar', 'g', 'x', 'y', 'z', 'b']);

/** Parameters whose registry entry is a pixel step: any of them needs the frame. */
const PIXEL_KEYS = new Set(
  (Object.values(REGISTRY) as { key: ParamKey; effect: unknown }[]).filter((e) => typeof e.effect === 'object').map((e) => e.key),
);

/** Flags that only choose the encoder's settings or the carried metadata. */
const NEUTRAL_FLAGS: ReadonlySet<string> = new Set<FlagName>([
  'progressive',
  'strip_profile',
  'keep_iptc',
  'attachment',
  'lossy',
  'ignore_aspect_ratio',
]);

const dprOf = (params: Params, resolved: Resolved) => (params.dpr === 'auto' ? resolved.dpr : (params.dpr ?? 1));

export function planStream(info: SourceInfo, plan: Plan, resolved: Resolved, applyExif: boolean): StreamPlan | undefined {
  // A HEIC goes from tile rows into a baseline JPEG encoder in the same module (codecs/heif.ts); no WebP or progressive encoder there.
  const heic = info.format === 'heic' && resolved.format === 'jpg' && !plan.output.flags.has('progressive');
  if (info.format !== 'jpg' && !heic) return undefined;
  if (resolved.format !== 'jpg' && !(resolved.format === 'webp' && !resolved.lossless)) return undefined;
  const orientation = applyExif ? info.orientation : 1;
  const turned = orientation >= 5;
  const width = turned ? info.height : info.width;
  const height = turned ? info.width : info.height;
  if ([...plan.output.flags].some((f) => !NEUTRAL_FLAGS.has(f))) return undefined;
  for (const { params } of plan.components) {
    for (const key of Object.keys(params) as ParamKey[]) {
      if (!NEUTRAL.has(key) || PIXEL_KEYS.has(key)) return undefined;
    }
    if (params.fl?.names.some((f) => !NEUTRAL_FLAGS.has(f))) return undefined;
    if (params.pg !== undefined && params.pg !== 1) return undefined;
    const g = planGeometry({ width, height, params, dpr: dprOf(params, resolved) });
    const whole = g.region.x === 0 && g.region.y === 0 && g.region.width === width && g.region.height === height;
    if (!whole || g.canvas || g.size.width !== width || g.size.height !== height) return undefined;
  }
  const progressive = resolved.format === 'jpg' && plan.output.flags.has('progressive');
  const coefficients = info.width * info.height * JPEG_COEFFICIENT_BYTES(resolved.quality);
  const wholeImage = !heic && resolved.format === 'jpg' && (progressive || coefficients <= MAX_OPTIMIZE_BYTES);
  return { target: resolved.format, width, height, progressive, wholeImage, orientation };
}

/**
 * A same-size delivery run strip by strip (engine.ts `runStrips`): a row
 * source yields strips of RGBA rows, the point effects map each strip (the
 * same function the whole-frame path runs on the raster, so the same pixels),
 * a row encoder takes them. Memory follows the width: the frame never exists
 * (lossy WebP holds its YUV picture, 1.5-2.5 bytes per pixel). For what the
 * transcode above does not cover: any point effect, PNG, HEIC and lossy WebP sources,
 * PNG output. Not here: resizes, crops, pads, layers, effects that read
 * neighbours, positions or the whole image, an orientation to apply.
 */
export interface StripPlan {
  source: StripSource;
  sink: StripSink;
  width: number;
  height: number;
  /** The point operations, in the order the whole-frame path runs them: component by component, registry order within one. */
  steps: StripStep[];
  /** The output keeps an alpha channel: the source may have one, or a step changes it (`o_`). */
  alpha: boolean;
}

interface StripStep {
  key: ParamKey;
  value: unknown;
  params: Params;
  effect: PixelEffect<ParamKey>;
}

type StripSource = 'jpg' | 'png' | 'heic' | 'webp';
type StripSink = 'jpg' | 'png' | 'webp';

/** Below this many pixels the whole frame is small and the whole-frame encoders (optimised JPEG tables, RGB PNG when opaque) win. */
const STRIPS_ABOVE_PIXELS = 2_000_000;

/** Sources with a row decoder, and whether this file can use it; `alpha`: it may have transparent pixels. */
const STRIP_SOURCES: Record<StripSource, { accepts(input: Uint8Array): boolean; alpha(input: Uint8Array): boolean }> = {
  jpg: { accepts: () => true, alpha: () => false },
  // Interlaced (Adam7) passes need the whole frame.
  png: { accepts: (input) => pngHeader(input)?.interlaced === false, alpha: pngHasAlpha },
  heic: { accepts: () => true, alpha: (input) => readHeif(input)?.alpha !== undefined },
  // Lossy stills only (wasm/shim/webp_rows_decode.c); lossless (VP8L) and animations keep the whole-frame path.
  webp: { accepts: (input) => stillLossyWebp(input) !== undefined, alpha: (input) => stillLossyWebp(input)?.alpha === true },
};

/** Outputs with a row encoder, and whether these settings can use it. */
const STRIP_SINKS: Record<StripSink, (resolved: Resolved, flags: ReadonlySet<FlagName>) => boolean> = {
  // The row encoder writes baseline 4:2:0 with standard tables: quality 90 and up (4:4:4) and progressive keep the frame.
  jpg: (resolved, flags) => resolved.quality < 90 && !flags.has('progressive'),
  png: (_resolved, flags) => !flags.has('png8') && !flags.has('lossy'),
  webp: (resolved) => !resolved.lossless,
};

const isStripSource = (f: string): f is StripSource => Object.hasOwn(STRIP_SOURCES, f);
const isStripSink = (f: string): f is StripSink => Object.hasOwn(STRIP_SINKS, f);

/** Pixel steps by registry order, as engine.ts runs them. */
const ORDERED_EFFECTS = (Object.values(REGISTRY) as { key: ParamKey; effect: unknown }[])
  .filter((e): e is { key: ParamKey; effect: PixelEffect<ParamKey> } => typeof e.effect === 'object')
  .sort((a, b) => a.effect.order - b.effect.order);

/** Keys besides the neutral ones a strip plan takes: pixel steps (each checked to be a point operation) and their colour. */
const STRIP_KEYS: ReadonlySet<ParamKey> = new Set<ParamKey>([...PIXEL_KEYS, 'co']);

export function planStrips(input: Uint8Array, info: SourceInfo, plan: Plan, resolved: Resolved, applyExif: boolean): StripPlan | undefined {
  const source = info.format;
  const sink = resolved.format;
  if (!isStripSource(source) || !isStripSink(sink)) return undefined;
  if (!STRIP_SOURCES[source].accepts(input) || !STRIP_SINKS[sink](resolved, plan.output.flags)) return undefined;
  if ((applyExif ? info.orientation : 1) !== 1 || info.pages > 1) return undefined;
  const { width, height } = info;
  if (width * height <= STRIPS_ABOVE_PIXELS) return undefined;
  if ([...plan.output.flags].some((f) => !NEUTRAL_FLAGS.has(f))) return undefined;
  const steps: StripStep[] = [];
  for (const { params } of plan.components) {
    for (const key of Object.keys(params) as ParamKey[]) if (!NEUTRAL.has(key) && !STRIP_KEYS.has(key)) return undefined;
    if (params.fl?.names.some((f) => !NEUTRAL_FLAGS.has(f))) return undefined;
    if (params.pg !== undefined && params.pg !== 1) return undefined;
    const g = planGeometry({ width, height, params, dpr: dprOf(params, resolved) });
    const whole = g.region.x === 0 && g.region.y === 0 && g.region.width === width && g.region.height === height;
    if (!whole || g.canvas || g.size.width !== width || g.size.height !== height) return undefined;
    for (const { key, effect } of ORDERED_EFFECTS) {
      const value = params[key];
      if (value === undefined) continue;
      if (!effect.pointwise?.(value as never, params)) return undefined;
      steps.push({ key, value, params, effect });
    }
  }
  const alpha = sink !== 'jpg' && (STRIP_SOURCES[source].alpha(input) || steps.some((s) => s.key === 'o'));
  return { source, sink, width, height, steps, alpha };
}
