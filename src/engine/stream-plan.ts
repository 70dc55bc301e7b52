import { JPEG_COEFFICIENT_BYTES, MAX_OPTIMIZE_BYTES } from './costs';
import { planGeometry } from './geometry';
import { REGISTRY } from './registry';
import type { Resolved } from './negotiate';
import type { SourceInfo } from './inspect';
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
