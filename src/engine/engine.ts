import { badRequest } from '../errors';
import { mimeFor, orientedSize } from './sniff';
import {
  photonCropResize,
  photonDecode,
  photonSize,
  photonToRaster,
  photonFromRaster,
  photonResizeFast,
  photonRelease,
  PhotonTrap,
  type PhotonHandle,
} from './codecs/photon';
import { guardDecoder } from './codecs/guard';
import { JpegSource, planJpegDecode, resampleRgba } from './codecs/pipeline';
import { CodecError } from './codecs/runtime';
import { encodeRaster } from './encode';
import { readJpegMetadata, type CarriedMetadata } from './metadata';
import { findFocus } from './focus';
import { planGeometry, outputSize, type Geometry, type Rect } from './geometry';
import { inspectSource, type SourceInfo } from './inspect';
import { applyLayer, layerStep, loadLayers, type LayerSources } from './layers';
import { resolveOutput, type RequestHints, type Resolved } from './negotiate';
import { orient, WHITE, type Raster } from './raster';
import { REGISTRY } from './registry';
import { padCanvas, solidBackground } from './pixels/pad';
import { resolvePlan } from './resolve-plan';
import type { AssetFacts } from './expressions/evaluate';
import type { PixelEffect } from './registry-types';
import type { Color, OutputFormat, ParamKey, Params, Plan } from './types';

/**
 * The engine: decode once, run each component (geometry, then pixel effects),
 * encode. It uses no Workers globals, so the benchmark runs it in Node.
 */
export interface EngineLimits {
  /** The most pixels one request may decode (see MAX_DECODE_PIXELS in src/config/limits.ts). */
  maxDecodePixels: number;
  /** The same for JPEG after shrink-on-load (MAX_JPEG_DECODE_PIXELS); maxDecodePixels when absent. */
  maxJpegDecodePixels?: number;
  /** The largest image the engine will produce. */
  maxOutputPixels: number;
}

export interface TransformOptions extends RequestHints {
  limits: EngineLimits;
  /** Where overlay and underlay images come from; without it, a layer is refused. */
  sources?: LayerSources;
  /** The asset's tags, context and metadata, for expressions that read them. */
  facts?: AssetFacts;
}

export interface TransformResult {
  bytes: Uint8Array;
  format: OutputFormat;
  width: number;
  height: number;
  contentType: string;
}

/** Counters a test (or an operator) can read: sources decoded, and the most images ever in work at once. */
export const engineStats = { decodes: 0, peakInWork: 0 };

/**
 * One image in work per isolate at a time. The decode budget is sized for the
 * isolate's whole 128 MB, and the work is CPU-bound on one thread anyway, so
 * queueing costs little and keeps concurrent requests from adding up.
 */
let inWork = 0;
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(run: () => Promise<T>): Promise<T> {
  const guarded = async () => {
    engineStats.peakInWork = Math.max(engineStats.peakInWork, ++inWork);
    try {
      return await run();
    } finally {
      inWork--;
    }
  };
  const next = queue.then(guarded, guarded);
  queue = next.catch(() => undefined);
  return next;
}

const TOO_LARGE = (what: string, pixels: number, max: number) =>
  badRequest(`Image too large: ${what} ${pixels} pixels, maximum is ${max} pixels`);

/** Bytes in, bytes out: what delivery, eager and incoming transformations call. */
export async function transformImage(input: Uint8Array, plan: Plan, opts: TransformOptions): Promise<TransformResult> {
  const info = inspectSource(input);
  const resolved = resolveOutput(plan, info, opts);
  return runPlan(input, info, plan, resolved, opts.limits, opts.sources, opts.facts);
}

/** The working image: still inside photon (the decoded source, with its EXIF orientation pending) or in JS memory. */
type Working =
  | { kind: 'photon'; img: PhotonHandle; orientation: number }
  | { kind: 'jpeg'; img: JpegSource; orientation: number }
  | { kind: 'raster'; img: Raster };

const dimsOf = (w: Working) => {
  if (w.kind === 'raster') return { width: w.img.width, height: w.img.height };
  const s = w.kind === 'jpeg' ? { width: w.img.sourceWidth, height: w.img.sourceHeight } : photonSize(w.img);
  return w.orientation >= 5 ? { width: s.height, height: s.width } : s;
};

export async function runPlan(
  input: Uint8Array,
  info: SourceInfo,
  plan: Plan,
  resolved: Resolved,
  limits: EngineLimits,
  sources?: LayerSources,
  facts?: AssetFacts,
): Promise<TransformResult> {
  // Conditions, variables, expressions, w_auto and a chain-wide dpr_ become fixed parameters now that the source is known.
  const upright = plan.components.some((c) => c.params.a?.ignoreExif) ? info : orientedSize(info);
  plan = resolvePlan(plan, {
    width: upright.width,
    height: upright.height,
    pages: info.pages,
    dpr: resolved.dpr,
    autoWidth: resolved.width,
    facts,
  });
  // Layer images are loaded (stored, fetched or rendered) before taking the isolate's turn, so a slow origin holds up no one else.
  const layers = await loadLayers(plan.components, sources);
  return oneAtATime(() => run(input, info, plan, resolved, limits, layers));
}

async function run(
  input: Uint8Array,
  info: SourceInfo,
  plan: Plan,
  resolved: Resolved,
  limits: EngineLimits,
  layers: Uint8Array[],
): Promise<TransformResult> {
  if (plan.output.flags.has('animated') && info.pages > 1) {
    throw badRequest('Animated output (fl_animated) is not supported: animated sources are delivered as their first frame');
  }
  const applyExif = !plan.components.some((c) => c.params.a?.ignoreExif);
  checkFirstOutput(info, plan, resolved, limits, applyExif);
  let working = await decode(input, info, plan, resolved, limits, applyExif);
  try {
    let layer = 0;
    for (let i = 0; i < plan.components.length;) {
      const { params } = plan.components[i];
      let next: Raster;
      if (params.l || params.u) {
        const { step, next: after } = layerStep(plan.components, i);
        const render = (bytes: Uint8Array, components: Params[]) => renderLayer(bytes, components, resolved, limits);
        next = await applyLayer(toRaster(working), step, layers[layer++], render);
        if (step.after) next = await runComponent({ kind: 'raster', img: next }, step.after, resolved, limits);
        i = after;
      } else {
        next = await runComponent(working, params, resolved, limits);
        i++;
      }
      if (working.kind !== 'raster') working.img.free();
      working = { kind: 'raster', img: next };
    }
    const img = toRaster(working);
    const bytes = await encodeRaster({
      img,
      resolved,
      flags: plan.output.flags,
      background: background(plan),
      metadata: carried(input, info, plan),
    });
    return { bytes, format: resolved.format, width: img.width, height: img.height, contentType: mimeFor(resolved.format) };
  } catch (err) {
    // A failure inside photon or the codec module after decoding (the instance is already replaced): still the input's fault, never a 500.
    if (err instanceof PhotonTrap || err instanceof CodecError) throw badRequest('Image could not be processed');
    throw err;
  } finally {
    if (working.kind !== 'raster') working.img.free();
    photonRelease();
  }
}

/** A layer image: decoded like a source (within the same limits) and run through its own components. */
async function renderLayer(bytes: Uint8Array, components: Params[], resolved: Resolved, limits: EngineLimits): Promise<Raster> {
  const info = inspectSource(bytes);
  const plan: Plan = {
    components: components.map((params) => ({ params, canonical: '' })),
    output: { flags: new Set() },
    canonical: '',
    dependsOn: { accept: false, dpr: false },
  };
  let working = await decode(bytes, info, plan, resolved, limits, true);
  try {
    for (const params of components) {
      const next = await runComponent(working, params, resolved, limits);
      if (working.kind === 'photon') working.img.free();
      working = { kind: 'raster', img: next };
    }
    return toRaster(working);
  } finally {
    if (working.kind === 'photon') working.img.free();
  }
}

async function decode(
  input: Uint8Array,
  info: SourceInfo,
  plan: Plan,
  resolved: Resolved,
  limits: EngineLimits,
  applyExif: boolean,
): Promise<Working> {
  // pg_: a GIF's frame comes from its own decoder (photon reads the first only); other formats have one page.
  const page = plan.components.find((c) => c.params.pg)?.params.pg;
  if (page !== undefined && info.format !== 'gif' && page > info.pages)
    throw badRequest(`Invalid page in transformation: ${page} (the image has ${info.pages} page${info.pages === 1 ? '' : 's'})`);
  if (info.format === 'svg') {
    const width = svgRenderWidth(info, plan, resolved, limits);
    engineStats.decodes++;
    const { renderSvg } = await import('./codecs/svg');
    const img = await guardDecoder('SVG', () => renderSvg(input, width));
    // resvg rounds the height its own way; keep the intrinsic aspect ratio exactly as the geometry computes it.
    const height = Math.max(1, Math.round((info.height * img.width) / info.width));
    return { kind: 'raster', img: height === img.height ? img : resizeRaster(img, img.width, height) };
  }
  if (info.format === 'jpg') return decodeJpeg(input, info, plan, resolved, limits, applyExif);
  const pixels = info.width * info.height;
  if (pixels > limits.maxDecodePixels) throw TOO_LARGE('decoding', pixels, limits.maxDecodePixels);
  engineStats.decodes++;
  if (info.format === 'avif') {
    const { decodeAvif } = await import('./codecs/avif');
    const img = await guardDecoder('AVIF', () => decodeAvif(input));
    return { kind: 'raster', img };
  }
  if (page !== undefined && info.format === 'gif') {
    const { decodeGifFrame } = await import('./codecs/gif-frames');
    return { kind: 'raster', img: decodeGifFrame(input, page) };
  }
  const img = await guardDecoder(info.format.toUpperCase(), async () => photonDecode(input));
  return { kind: 'photon', img, orientation: applyExif ? info.orientation : 1 };
}

/**
 * JPEG decodes in the codec module with shrink-on-load: the first component's
 * geometry (in source coordinates) says how much of the source it needs, and
 * only that many pixels (at 3 bytes each) are ever decoded.
 */
async function decodeJpeg(
  input: Uint8Array,
  info: SourceInfo,
  plan: Plan,
  resolved: Resolved,
  limits: EngineLimits,
  applyExif: boolean,
): Promise<Working> {
  const orientation = applyExif ? info.orientation : 1;
  const turned = orientation >= 5;
  const first = sizingComponent(plan);
  const g =
    first &&
    planGeometry({
      width: turned ? info.height : info.width,
      height: turned ? info.width : info.height,
      params: first,
      dpr: componentDpr(first, resolved),
    });
  const need = g && (turned ? { width: g.size.height, height: g.size.width } : g.size);
  const decoded = planJpegDecode(info.width, info.height, need, g && storedRect(g.region, orientation, info.width, info.height));
  const max = limits.maxJpegDecodePixels ?? limits.maxDecodePixels;
  const pixels = decoded.width * decoded.height;
  if (pixels > max) throw TOO_LARGE('decoding', pixels, max);
  engineStats.decodes++;
  const img = await guardDecoder('JPG', async () => JpegSource.decode(input, info.width, info.height, decoded, max));
  return { kind: 'jpeg', img, orientation };
}

/** The first component's output size is known from the header alone: refuse an oversized one before decoding. */
function checkFirstOutput(info: SourceInfo, plan: Plan, resolved: Resolved, limits: EngineLimits, applyExif: boolean): void {
  const first = sizingComponent(plan);
  if (!first) return;
  const upright = applyExif ? orientedSize(info) : info;
  const out = outputSize(planGeometry({ width: upright.width, height: upright.height, params: first, dpr: componentDpr(first, resolved) }));
  if (out.width * out.height > limits.maxOutputPixels) throw TOO_LARGE('output', out.width * out.height, limits.maxOutputPixels);
}

/**
 * The component whose geometry sizes the decode: the first, unless it opens a
 * layer (its `w_`/`h_` size the layer image, and the base is decoded whole).
 */
function sizingComponent(plan: Plan): Params | undefined {
  const first = plan.components[0]?.params;
  return first && (first.l || first.u) ? undefined : first;
}

/** A component's own `dpr_`: a number as written, `auto` as resolved from the client hints. */
const componentDpr = (params: Params, resolved: Resolved) => (params.dpr === 'auto' ? resolved.dpr : (params.dpr ?? 1));

/** SVG is rasterised straight at the size the first component needs (within the decode budget). */
function svgRenderWidth(info: SourceInfo, plan: Plan, resolved: Resolved, limits: EngineLimits): number {
  const first = sizingComponent(plan) ?? {};
  const g = planGeometry({ width: info.width, height: info.height, params: first, dpr: componentDpr(first, resolved) });
  const scale = Math.max(1, g.size.width / g.region.width, g.size.height / g.region.height);
  const budget = Math.sqrt(limits.maxDecodePixels / (info.width * info.height));
  return info.width * Math.min(scale, budget);
}

async function runComponent(working: Working, params: Params, resolved: Resolved, limits: EngineLimits): Promise<Raster> {
  const { width, height } = dimsOf(working);
  const needsFocus =
    params.g?.kind === 'auto' ||
    params.c === 'fill_pad' ||
    (params.c === 'auto' && !params.g) ||
    (params.g?.kind === 'custom' && !!params.g.fallback);
  const focus = needsFocus ? findFocus(focusThumbnail(working), width, height) : undefined;
  const geo = planGeometry({ width, height, params, dpr: componentDpr(params, resolved), focus });
  const out = outputSize(geo);
  if (out.width * out.height > limits.maxOutputPixels) throw TOO_LARGE('output', out.width * out.height, limits.maxOutputPixels);
  let img = resample(working, geo);
  if (geo.canvas) img = padCanvas(img, geo.canvas, params.b);
  for (const [key, effect] of PIXEL_EFFECTS) {
    const value = params[key];
    if (value !== undefined) img = effect.apply(img, value as never, params);
  }
  return img;
}

/** Entries whose effect is a pixel step, in their order. */
const PIXEL_EFFECTS = (Object.values(REGISTRY) as { key: ParamKey; effect: unknown }[])
  .filter((e): e is { key: ParamKey; effect: PixelEffect<ParamKey> } => typeof e.effect === 'object')
  .sort((a, b) => a.effect.order - b.effect.order)
  .map((e) => [e.key, e.effect] as const);

function resizeRaster(img: Raster, width: number, height: number): Raster {
  return resample({ kind: 'raster', img }, { region: { x: 0, y: 0, width: img.width, height: img.height }, size: { width, height } });
}

/** Takes the geometry's region and resamples it; a pending EXIF orientation is applied to the (small) result. */
function resample(working: Working, geo: Geometry): Raster {
  if (working.kind === 'raster') return resampleRgba(working.img, geo.region, geo.size.width, geo.size.height);
  const { width: sw, height: sh } = dimsOfStored(working);
  const o = working.orientation;
  const region = storedRect(geo.region, o, sw, sh);
  const size = o >= 5 ? { width: geo.size.height, height: geo.size.width } : geo.size;
  if (working.kind === 'jpeg') return orient(working.img.resample(region, size.width, size.height), o);
  const out = photonCropResize(working.img, region, size.width, size.height);
  try {
    return orient(photonToRaster(out), o);
  } finally {
    out.free();
  }
}

const dimsOfStored = (w: Exclude<Working, { kind: 'raster' }>) =>
  w.kind === 'jpeg' ? { width: w.img.sourceWidth, height: w.img.sourceHeight } : photonSize(w.img);

/** Maps a rectangle of the upright image to the stored pixels under EXIF orientation `o`. */
function storedRect(r: Rect, o: number, sw: number, sh: number): Rect {
  const map = (X: number, Y: number): [number, number] => {
    switch (o) {
      case 2:
        return [sw - X, Y];
      case 3:
        return [sw - X, sh - Y];
      case 4:
        return [X, sh - Y];
      case 5:
        return [Y, X];
      case 6:
        return [Y, sh - X];
      case 7:
        return [sw - Y, sh - X];
      case 8:
        return [sw - Y, X];
      default:
        return [X, Y];
    }
  };
  const [ax, ay] = map(r.x, r.y);
  const [bx, by] = map(r.x + r.width, r.y + r.height);
  return { x: Math.min(ax, bx), y: Math.min(ay, by), width: Math.abs(bx - ax), height: Math.abs(by - ay) };
}

function toRaster(working: Working): Raster {
  if (working.kind === 'raster') return working.img;
  if (working.kind === 'jpeg') return orient(working.img.toRgba(), working.orientation);
  return orient(photonToRaster(working.img), working.orientation);
}

/** A small upright copy of the working image for the content-aware gravity. */
function focusThumbnail(working: Working): Raster {
  const { width, height } = dimsOf(working);
  const scale = Math.min(1, 128 / Math.max(width, height));
  const tw = Math.max(1, Math.round(width * scale));
  const th = Math.max(1, Math.round(height * scale));
  if (working.kind === 'raster') {
    const photon = photonFromRaster(working.img);
    try {
      const small = photonResizeFast(photon, tw, th);
      try {
        return photonToRaster(small);
      } finally {
        small.free();
      }
    } finally {
      photon.free();
    }
  }
  const o = working.orientation;
  if (working.kind === 'jpeg') {
    const whole = { x: 0, y: 0, width: working.img.sourceWidth, height: working.img.sourceHeight };
    return orient(working.img.resample(whole, o >= 5 ? th : tw, o >= 5 ? tw : th), o);
  }
  const small = photonResizeFast(working.img, o >= 5 ? th : tw, o >= 5 ? tw : th);
  try {
    return orient(photonToRaster(small), o);
  } finally {
    small.free();
  }
}

/** The colour behind transparent pixels when the output has no alpha (and behind pads): the last `b_` given, else white. */
function background(plan: Plan): Color {
  for (let i = plan.components.length - 1; i >= 0; i--) {
    const b = solidBackground(plan.components[i].params.b);
    if (b) return b;
  }
  return WHITE;
}

/** Metadata kept from a JPEG source: its RGB ICC profile unless fl_strip_profile, its IPTC block with fl_keep_iptc. */
function carried(input: Uint8Array, info: SourceInfo, plan: Plan): CarriedMetadata {
  if (info.format !== 'jpg') return {};
  const meta = readJpegMetadata(input);
  const flags = plan.output.flags;
  return { icc: flags.has('strip_profile') ? undefined : meta.icc, iptc: flags.has('keep_iptc') ? meta.iptc : undefined };
}
