import { animatedAutoFormat, wantsAnimation } from './animation/plan';
import { outputSize, planGeometry } from './geometry';
import type { ImageFormat } from './sniff';
import { parseFormat } from './params/output';
import type { OutputFormat, Plan, QualityLevel } from './types';

/**
 * Request-dependent choices, made once per request before the engine runs:
 * the output format (f_auto from `Accept`), the quality (q_auto per format)
 * and the device pixel ratio (dpr_auto from client hints). The derived-object
 * key includes the resolved values, so each variant is stored once.
 */
export interface Resolved {
  format: OutputFormat;
  quality: number;
  lossless: boolean;
  dpr: number;
  /** `w_auto`: the width hint rounded up to the step, when the plan has an automatic width and the request sent a hint. */
  width?: number;
}

export interface RequestHints {
  /** The `Accept` header. */
  accept?: string | null;
  /** `Sec-CH-DPR` or `DPR`. */
  dpr?: string | null;
  /** `Sec-CH-Width` or `Width`: the width the page lays the image out at, in device pixels. */
  width?: string | null;
  /** The delivery URL's extension, if any. */
  extension?: string;
}

/** Sources whose pixels are already approximate: WebP/AVIF outputs of them are lossy. */
const LOSSY_SOURCES = new Set<ImageFormat>(['jpg', 'avif', 'heic']);

/** q_auto levels and the default per format (AVIF's scale sits lower for the same visual quality). */
const QUALITY: Record<OutputFormat, Record<QualityLevel, number>> = {
  jpg: { best: 90, good: 80, eco: 70, low: 60 },
  webp: { best: 90, good: 80, eco: 70, low: 60 },
  avif: { best: 75, good: 60, eco: 50, low: 40 },
  png: { best: 100, good: 100, eco: 100, low: 100 },
  gif: { best: 100, good: 100, eco: 100, low: 100 },
  svg: { best: 100, good: 100, eco: 100, low: 100 },
};

/** The family of a stored format when it must be delivered as itself (a HEIC photo, which we cannot encode, as JPEG). */
function defaultOutput(source: ImageFormat): OutputFormat {
  if (source === 'jpg' || source === 'png' || source === 'gif' || source === 'webp' || source === 'avif') return source;
  return source === 'heic' ? 'jpg' : 'png';
}

/**
 * f_auto's ceilings, in output pixels: AVIF only where its encoder pays, WebP
 * where it fits, the source's own family (strip-wise JPEG for photos) beyond.
 * Measured on the benchmark machine (docs/engine.md "AVIF within the
 * budget"): lossy AVIF larger than a tile is written as a grid of tiles at
 * speed 10, so its encoder's memory no longer grows with the image (16 MB
 * of module heap) and it takes about 160 ns per pixel; what still grows is
 * the raster, its copy and the coded output beside it, 11 bytes per pixel,
 * so AVIF stops at 2.5 MP, where the encode's charge reaches 43 MiB of the
 * 48 MB target (2.5 MP: about 0.4 s of encoding). Lossless AVIF (PNG and
 * other lossless sources) is encoded whole at 4:4:4: 45 bytes and several
 * microseconds per pixel, so only up to one tile's size. Lossy WebP takes
 * 100-400 ns and 2.5 bytes per pixel (24 MP: 3-10 s, 60 MB), a strip-wise
 * JPEG 20-100 ns and under 10 MB whatever the size.
 */
const AUTO_AVIF_MAX_PIXELS = 2_500_000;
const AUTO_AVIF_LOSSLESS_MAX_PIXELS = 262_144;
const AUTO_WEBP_MAX_PIXELS = 16_000_000;

/** f_auto: AVIF if accepted (and small enough to pay), then WebP (if it fits), then the source's own family. */
export function negotiateFormat(
  accept: string | null | undefined,
  fallback: OutputFormat,
  outputPixels = 0,
  lossless = false,
): OutputFormat {
  const a = (accept ?? '').toLowerCase();
  const avifMax = lossless ? AUTO_AVIF_LOSSLESS_MAX_PIXELS : AUTO_AVIF_MAX_PIXELS;
  if (/\bimage\/avif\b/.test(a) && outputPixels <= avifMax) return 'avif';
  if (/\bimage\/(avif|webp)\b/.test(a) && outputPixels <= AUTO_WEBP_MAX_PIXELS) return 'webp';
  return fallback;
}

/** The output's pixels as the components' geometry makes them (0 when the source's size is not known). */
function plannedPixels(plan: Plan, width: number | undefined, height: number | undefined, dpr: number): number {
  if (!width || !height) return 0;
  let size = { width, height };
  for (const { params } of plan.components) {
    if (params.l || params.u) continue;
    const d = params.dpr === 'auto' ? dpr : (params.dpr ?? 1);
    size = outputSize(planGeometry({ width: size.width, height: size.height, params, dpr: d }));
  }
  return size.width * size.height;
}

export function resolveDpr(plan: Plan, header: string | null | undefined): number {
  const n = Number(header);
  return plan.dependsOn.dpr && Number.isFinite(n) && n > 0 ? Math.min(Math.round(n * 100) / 100, 4) : 1;
}

/** The widest hint honoured: a larger one is read as this, so a client cannot make unbounded variants. */
const MAX_WIDTH_HINT = 8192;

/** `w_auto`: the width hint rounded up to the step of the plan's first automatic width (one number per variant). */
export function resolveWidth(plan: Plan, header: string | null | undefined): number | undefined {
  if (!plan.dependsOn.width || !header || !/^\s*\d+(\.\d+)?\s*$/.test(header)) return undefined;
  const hint = Math.min(Number(header), MAX_WIDTH_HINT);
  if (!(hint >= 1)) return undefined;
  const step = plan.components.find((c) => c.dynamic?.autoWidth)?.dynamic?.autoWidth?.step ?? 1;
  return Math.ceil(hint / step) * step;
}

/** What the output depends on of its source: the format, and the stored size when known (f_auto's choice weighs it). */
export interface SourceTraits {
  format: ImageFormat;
  lossy?: boolean;
  /** Frames of an animated GIF/WebP: f_auto then chooses an animated format. */
  pages?: number | null;
  width?: number | null;
  height?: number | null;
}

export function resolveOutput(plan: Plan, source: SourceTraits, hints: RequestHints): Resolved {
  const o = plan.output;
  // Only when f_ does not name the format does the extension decide (an explicit f_jpg on a `.heic` URL is a JPEG).
  const fallback = () => (hints.extension ? extensionFormat(hints.extension, source.format) : defaultOutput(source.format));
  const dpr = resolveDpr(plan, hints.dpr);
  const lossySource = source.lossy ?? LOSSY_SOURCES.has(source.format);
  const lossless = !lossySource && !o.flags.has('lossy');
  let format =
    o.format === 'auto'
      ? negotiateFormat(hints.accept, fallback(), plannedPixels(plan, source.width ?? undefined, source.height ?? undefined, dpr), lossless)
      : (o.format ?? fallback());
  if (o.format === 'auto' && wantsAnimation(plan, source)) format = animatedAutoFormat(format);
  const q = o.quality;
  const quality = q?.kind === 'fixed' ? q.value : QUALITY[format][q?.kind === 'auto' ? q.level : 'good'];
  const resolved: Resolved = { format, quality, lossless, dpr };
  const width = resolveWidth(plan, hints.width);
  if (width !== undefined) resolved.width = width;
  return resolved;
}

/** Extensions that name a stored format under another spelling. */
const SOURCE_FAMILY: Record<string, string> = { heif: 'heic', jpeg: 'jpg', jpe: 'jpg' };

/** The extension names the output format; a source's own extension that we cannot encode (`.svg`) gives its default. */
function extensionFormat(ext: string, source: ImageFormat): OutputFormat {
  const e = ext.toLowerCase();
  if ((SOURCE_FAMILY[e] ?? e) === source && defaultOutput(source) !== source) return defaultOutput(source);
  const f = parseFormat(e);
  return f === 'auto' ? defaultOutput(source) : f;
}
