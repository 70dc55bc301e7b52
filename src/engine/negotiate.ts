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
};

/** The family of a stored format when it must be delivered as itself. */
export function defaultOutput(source: ImageFormat): OutputFormat {
  if (source === 'jpg' || source === 'png' || source === 'gif' || source === 'webp' || source === 'avif') return source;
  return 'png';
}

/** f_auto: AVIF if accepted, then WebP, then the source's own family. */
export function negotiateFormat(accept: string | null | undefined, fallback: OutputFormat): OutputFormat {
  const a = (accept ?? '').toLowerCase();
  if (/\bimage\/avif\b/.test(a)) return 'avif';
  if (/\bimage\/webp\b/.test(a)) return 'webp';
  return fallback;
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

export function resolveOutput(plan: Plan, source: { format: ImageFormat; lossy?: boolean }, hints: RequestHints): Resolved {
  const o = plan.output;
  const fallback = hints.extension ? extensionFormat(hints.extension, source.format) : defaultOutput(source.format);
  const format = o.format === 'auto' ? negotiateFormat(hints.accept, fallback) : (o.format ?? fallback);
  const q = o.quality;
  const quality = q?.kind === 'fixed' ? q.value : QUALITY[format][q?.kind === 'auto' ? q.level : 'good'];
  const lossySource = source.lossy ?? LOSSY_SOURCES.has(source.format);
  const resolved: Resolved = { format, quality, lossless: !lossySource && !o.flags.has('lossy'), dpr: resolveDpr(plan, hints.dpr) };
  const width = resolveWidth(plan, hints.width);
  if (width !== undefined) resolved.width = width;
  return resolved;
}

/** The extension names the output format; a source's own extension that we cannot encode (`.svg`) gives its default. */
function extensionFormat(ext: string, source: ImageFormat): OutputFormat {
  const e = ext.toLowerCase();
  if (e === source && defaultOutput(source) !== source) return defaultOutput(source);
  const f = parseFormat(e);
  return f === 'auto' ? defaultOutput(source) : f;
}
