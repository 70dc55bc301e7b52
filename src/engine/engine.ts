import { badRequest } from '../errors';
import { decodeExtent, mimeFor, orientedSize, type JpegShrink } from './sniff';
import {
  photonCropResize,
  photonDecode,
  photonSize,
  photonToRaster,
  photonFromRaster,
  photonResizeFast,
  photonDropIdle,
  photonMemoryBytes,
  photonRelease,
  PhotonTrap,
  type PhotonHandle,
} from './codecs/photon';
import { guardDecoder } from './codecs/guard';
import {
  decodeWebpScaled,
  dropIdleSessions,
  idleCodecBytes,
  JpegSource,
  planJpegDecode,
  ReducedSource,
  resampleRgba,
  transcodeJpeg,
  type JpegPlan,
  type ScaledSource,
  iccIsSrgb,
  srgbProfile,
} from './codecs/pipeline';
import { pngDecodeBytes, pngHeader } from './codecs/png-rows';
import type { ProfileKind } from './codecs/icc-rows';
import { convertToSrgb, releaseProfile, sourceProfile } from './source-profile';
import { reducedSize } from './codecs/box-reduce';
import { readHeif, type HeifImage } from './heif-container';
import { heifPictureCost } from './heif-cost';
import { releaseResident, residentCodecs } from './codecs/resident';
import { planStream, planStrips, type StreamPlan } from './stream-plan';
import { runStrips, stripCost } from './strip-run';
import { svgFilterCost } from './codecs/svg-guard';
import {
  DEFAULT_ENGINE_MEMORY_BYTES,
  DEFAULT_ENGINE_WORK_PIXELS,
  BudgetRefusal,
  engineMemory,
  WorkMeter,
  type MemoryBudget,
  type RequestBudget,
} from './budget';
import {
  AVIF_DECODER_FIXED_BYTES,
  avifEncodeCost,
  DECODE_COSTS,
  HEIF_MODULE_BYTES,
  HEIF_TURNED_ROWS,
  ICC_PHOTON_BYTES,
  effectCost,
  ENCODE_COSTS,
  ENCODE_FIXED_BYTES,
  JPEG_ENTROPY_OPS,
  JPEG_ROWS_COST,
  JPEG_ROWS_FIXED_BYTES,
  PROGRESSIVE_COEFFICIENT_BYTES,
  RASTER_BYTES,
  PNG_ROW_OPS,
  RESAMPLE_OPS,
  ROW_DECODE_ABOVE_PIXELS,
  WEBP_DECODE_OPS,
  WEBP_LOSSLESS_FULL_BYTES,
  WEBP_LOSSY_FULL_BYTES,
  JPEG_COEFFICIENT_BYTES,
  STREAM_FIXED_BYTES,
  STREAM_OUTPUT_BYTES,
  webpEncodeBytes,
  webpLowMemory,
  webpOutputRoom,
} from './costs';
import { CodecError } from './codecs/runtime';
import { encodeRaster, jpegInStrips, SVG_NEEDS_VECTORIZE, vectorEffect } from './encode';
import { pngIccChunk, readJpegMetadata, writeJpegMetadata, type CarriedMetadata } from './metadata';
import { findFocus } from './focus';
import { planGeometry, outputSize, type Geometry, type Rect } from './geometry';
import { inspectSource, type SourceInfo } from './inspect';
import { applyLayer, layerStep, loadLayers, type LayerSources } from './layers';
import { resolveOutput, type RequestHints, type Resolved } from './negotiate';
import { orient, WHITE, type Raster } from './raster';
import { REGISTRY } from './registry';
import { padCanvas, solidBackground } from './pixels/pad';
import { resolvePlan, usesFaces } from './resolve-plan';
import { detectFaces, detectorSize, DETECTION_BYTES, DETECTION_OPS } from './faces/detect';
import { faceModel, faceModelBytes } from './faces/model';
import { firstPage } from './params/page';
import { pdfPageSource } from './pdf/page-source';
import { animationOf, type AnimationSource } from './animation/plan';
import { animationBytes, animationShape, animationWork, runAnimation, type AnimationJob } from './animation/run';
import type { AssetFacts } from './expressions/evaluate';
import type { PixelEffect } from './registry-types';
import type { Area, Color, Component, Effect, FlagName, OutputFormat, ParamKey, Params, Plan } from './types';

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
  /** The isolate's memory budget for the engine (ENGINE_MEMORY_MB; see ./budget.ts). */
  engineMemoryBytes?: number;
  /** Pixel operations one request may do (ENGINE_WORK_PIXELS). */
  engineWorkPixels?: number;
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

/**
 * Counters a test (or an operator) can read: sources decoded, the most images
 * ever in work at once, and the last finished request's memory high-water mark
 * (bytes charged to its lease) and pixel operations, and how many times faces were looked for.
 */
export const engineStats = {
  decodes: 0,
  peakInWork: 0,
  lastPeakBytes: 0,
  lastWorkOps: 0,
  lastStreamWasmBytes: 0,
  lastHeifWasmBytes: 0,
  lastEncodeWasmBytes: 0,
  faceDetections: 0,
  /** The last decoded source's embedded profile (PNG, WebP): its kind (./codecs/icc-rows.ts), why it was ignored, or '' (none). */
  lastSourceProfile: '',
};

/**
 * Requests in work share the isolate's memory budget (./budget.ts): each is
 * admitted with an estimate of its peak and waits its turn when the pool is
 * busy, then charges every large allocation before making it.
 */
let inWork = 0;
async function withBudget<T>(limits: EngineLimits, estimate: Estimate, run: (budget: RequestBudget) => Promise<T>): Promise<T> {
  const pool = engineMemory(limits.engineMemoryBytes ?? DEFAULT_ENGINE_MEMORY_BYTES);
  pool.onPressure ??= () => {
    dropIdleSessions();
    photonDropIdle();
    releaseResident();
    settleStanding(pool);
  };
  const memory = await pool.admit(estimate.bytes, estimate.what);
  engineStats.peakInWork = Math.max(engineStats.peakInWork, ++inWork);
  const work = new WorkMeter(limits.engineWorkPixels ?? DEFAULT_ENGINE_WORK_PIXELS);
  try {
    return await run({ memory, work });
  } finally {
    inWork--;
    engineStats.lastPeakBytes = memory.peak;
    engineStats.lastWorkOps = work.spent;
    memory.close();
    settleStanding(pool);
  }
}

/** Work that is not one transformation (a PDF of pages, ./collage/pdf.ts) under the same pool and meters, counted in engineStats alike. */
export const withEngineBudget = <T>(limits: EngineLimits, estimate: Estimate, run: (budget: RequestBudget) => Promise<T>): Promise<T> =>
  withBudget(limits, estimate, run);

/** WASM memories kept for the next request stay charged to the pool until they are let go. */
function settleStanding(pool: MemoryBudget): void {
  pool.setStanding('photon', photonMemoryBytes());
  pool.setStanding('codec sessions', idleCodecBytes());
  for (const name of ['avif decoder', 'avif encoder']) pool.setStanding(name, 0);
  for (const [codec, bytes] of residentCodecs()) pool.setStanding(codec, bytes);
  pool.setStanding('face model', faceModelBytes());
}

const TOO_LARGE = (what: string, pixels: number, max: number) =>
  badRequest(`Image too large: ${what} ${pixels} pixels, maximum is ${max} pixels`);

/** Bytes in, bytes out: what delivery, eager and incoming transformations call. */
export async function transformImage(source: Uint8Array, sourcePlan: Plan, opts: TransformOptions): Promise<TransformResult> {
  const { input, plan } = pdfPageSource(source, sourcePlan);
  const info = inspectSource(input);
  const resolved = resolveOutput(plan, info, opts);
  return runPlan(input, info, plan, resolved, opts.limits, opts.sources, opts.facts);
}

/** The working image: still inside photon (the decoded source, with its EXIF orientation pending) or in JS memory. */
type Working =
  | { kind: 'photon'; img: PhotonHandle; orientation: number }
  | { kind: 'scaled'; img: ScaledSource; orientation: number }
  | { kind: 'raster'; img: Raster };

const dimsOf = (w: Working) => {
  if (w.kind === 'raster') return { width: w.img.width, height: w.img.height };
  const s = w.kind === 'scaled' ? { width: w.img.sourceWidth, height: w.img.sourceHeight } : photonSize(w.img);
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
  // Faces not on record are found now (the caller stores them when it can, so this happens once per asset).
  if (facts?.faces === undefined && usesFaces(plan.components)) {
    const faces = await findFaces(input, limits);
    facts = { ...facts, faces, faceCount: faces.length };
  }
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
  const applyExif = !plan.components.some((c) => c.params.a?.ignoreExif);
  const animation = animationOf(plan, info, resolved.format);
  if (animation) return runAnimated(input, info, plan, resolved, limits, animation, sources);
  checkFirstOutput(info, plan, resolved, limits, applyExif);
  const stream = planStream(info, plan, resolved, applyExif);
  if (stream)
    return withBudget(limits, streamCost(input, info, stream, resolved), (budget) =>
      runStream(input, info, plan, resolved, stream, budget),
    );
  const strips = planStrips(input, info, plan, resolved, applyExif);
  if (strips) {
    const coefficients = progressiveCoefficients(info, 1);
    return withBudget(limits, stripCost(input, strips, resolved, coefficients), async (budget) => {
      engineStats.decodes++;
      // A PNG's or WebP's embedded profile is applied strip by strip (JPEG sources are converted inside the module's decoder).
      const profiled = strips.source === 'png' || strips.source === 'webp';
      const what = `the ${strips.source.toUpperCase()}`;
      const profile = profiled ? await sourceProfile(input, info.format, strips.width * strips.height, what, budget) : undefined;
      engineStats.lastSourceProfile = profile?.note ?? '';
      const metadata = carried(input, info, plan, profile?.kind);
      const pngIcc = strips.sink === 'png' && metadata.icc ? await pngIccChunk(metadata.icc) : undefined;
      const run = { input, plan: strips, resolved, coefficients, background: background(plan), pngIcc, sourceIcc: profile?.icc, budget };
      const out = await runStrips(run).finally(() => profile && releaseProfile(profile, budget));
      // What the modules really took, beside what was charged (tests and the benchmark compare them).
      engineStats.lastStreamWasmBytes = out.wasmBytes;
      const bytes = strips.sink === 'jpg' ? writeJpegMetadata(out.bytes, metadata) : out.bytes;
      return { bytes, format: resolved.format, width: strips.width, height: strips.height, contentType: mimeFor(resolved.format) };
    });
  }
  const decoding = planDecode(input, info, plan, resolved, limits, applyExif);
  // Layer images are loaded (stored, fetched or rendered) before taking the isolate's turn, so a slow origin holds up no one else.
  const layers = await loadLayers(plan.components, sources);
  const outPixels = firstOutputPixels(info, plan, resolved, applyExif) ?? decoding.pixels;
  const estimate = estimatePeak(decoding, outPixels, encodeCost(resolved, plan.output.flags, outPixels), layers);
  return withBudget(limits, estimate, (budget) => run(input, info, plan, resolved, limits, layers, decoding, budget));
}

/**
 * The faces of an image, in pixels of the upright original, largest first.
 * The image is decoded straight at the detector's size where the format
 * allows it (JPEG shrink-on-load, PNG rows, WebP scaling) and reduced to it,
 * so the detector's memory and work are the same for any image; both are
 * charged to the request's budget like every other step.
 */
export async function findFaces(input: Uint8Array, limits: EngineLimits): Promise<Area[]> {
  const info = inspectSource(input);
  const upright = orientedSize(info);
  // The copy faces are found in: no larger than the detector's input.
  const net = detectorSize(upright.width, upright.height);
  const copy: Params = { c: 'limit', w: { value: net.width, relative: false }, h: { value: net.height, relative: false } };
  const plan: Plan = {
    components: [{ params: copy, canonical: '' }],
    output: { flags: new Set() },
    canonical: '',
    dependsOn: { accept: false, dpr: false },
  };
  const resolved: Resolved = { format: 'png', quality: 80, lossless: true, dpr: 1 };
  const decoding = planDecode(input, info, plan, resolved, limits, true);
  const decodeBytes = estimatePeak(
    decoding,
    net.width * net.height,
    encodeCost(resolved, plan.output.flags, net.width * net.height),
    [],
  ).bytes;
  return withBudget(limits, { bytes: decodeBytes + DETECTION_BYTES, what: 'finding faces' }, async (budget) => {
    const working = await decode(input, info, decoding, budget);
    try {
      const small = await runComponent(working, copy, resolved, limits, budget);
      budget.work.spend(1, DETECTION_OPS, 'finding faces');
      engineStats.faceDetections++;
      const found = budget.memory.during(DETECTION_BYTES, 'finding faces', () => detectFaces(faceModel(), small));
      const sx = upright.width / small.width;
      const sy = upright.height / small.height;
      return found.map((f) => ({
        x: Math.round(f.x * sx),
        y: Math.round(f.y * sy),
        width: Math.round(f.width * sx),
        height: Math.round(f.height * sy),
      }));
    } catch (err) {
      if (err instanceof PhotonTrap || err instanceof CodecError) throw badRequest('Image could not be processed');
      throw err;
    } finally {
      if (working.kind !== 'raster') working.img.free();
      photonRelease();
    }
  });
}

/**
 * An animated answer (./animation/): frames decoded, transformed and
 * encoded one at a time. Refused before anything is decoded when its frames
 * times pixels cannot fit the work budget, and admitted to the memory pool
 * with the canvas, one frame in work and the output it will keep.
 */
async function runAnimated(
  input: Uint8Array,
  info: SourceInfo,
  plan: Plan,
  resolved: Resolved,
  limits: EngineLimits,
  animation: AnimationSource,
  sources?: LayerSources,
): Promise<TransformResult> {
  const z = plan.components.findIndex((c) => c.params.e?.name === 'zoompan');
  const frameComponents = z < 0 ? plan.components : plan.components.slice(z + 1);
  const before = z < 0 ? [] : plan.components.slice(0, z + 1).map((c) => ({ ...c.params, e: undefined }));
  const layers = await loadLayers(frameComponents, sources);
  // A layer is the same on every frame: rendered once for the whole animation.
  const rendered = new Map<number, Raster>();
  const job: AnimationJob = {
    input,
    info,
    plan,
    resolved,
    source: animation,
    limits,
    frameComponents: frameComponents.map((c) => c.params),
    ...(z >= 0 ? { zoompan: { options: plan.components[z].params.e?.zoompan ?? {}, before } } : {}),
    perFrame: (img, budget) => applyComponents({ kind: 'raster', img }, frameComponents, layers, resolved, limits, budget, 0, rendered),
    still: (budget) => renderLayer(input, before, resolved, limits, budget),
    background: background(plan),
  };
  const shape = animationShape(job);
  const work = animationWork(job, shape);
  const workLimit = limits.engineWorkPixels ?? DEFAULT_ENGINE_WORK_PIXELS;
  const what = `${shape.kept} frames of ${shape.out.width}x${shape.out.height} as animated ${shape.format.toUpperCase()}`;
  if (work > workLimit) {
    throw new BudgetRefusal(
      `Animation too large: ${what} (${shape.decoded} frames of ${shape.width}x${shape.height} decoded) needs ${work} pixel operations, the work budget is ${workLimit} per request (ENGINE_WORK_PIXELS)`,
      'work',
    );
  }
  try {
    return await withBudget(limits, { bytes: animationBytes(job, shape), what: `making ${what}` }, async (budget) => {
      const out = await runAnimation(job, shape, budget);
      const format = shape.format;
      return { bytes: out.bytes, format, width: out.width, height: out.height, contentType: mimeFor(format) };
    });
  } catch (err) {
    if (err instanceof PhotonTrap || err instanceof CodecError) throw badRequest('Image could not be processed');
    throw err;
  } finally {
    photonRelease();
  }
}

/**
 * Runs components (layers included) on the working image; intermediate
 * images are credited as they are replaced, the result stays charged. With
 * `rendered`, each layer image is rendered once and reused (an animation's frames).
 */
async function applyComponents(
  working: Working,
  components: Component[],
  layers: Uint8Array[],
  resolved: Resolved,
  limits: EngineLimits,
  budget: RequestBudget,
  held = 0,
  rendered?: Map<number, Raster>,
): Promise<Raster> {
  let layer = 0;
  try {
    for (let i = 0; i < components.length;) {
      const { params } = components[i];
      let next: Raster;
      if (params.l || params.u) {
        const { step, next: after } = layerStep(components, i);
        const index = layer++;
        const render = async (bytes: Uint8Array, list: Params[]) => {
          const cached = rendered?.get(index);
          if (cached) return cached;
          const img = await renderLayer(bytes, list, resolved, limits, budget);
          rendered?.set(index, img);
          return img;
        };
        const base = toRaster(working, budget);
        budget.memory.charge(rasterBytes(base), 'composing a layer');
        next = await applyLayer(base, step, layers[index], render);
        if (step.after) next = await runComponent({ kind: 'raster', img: next }, step.after, resolved, limits, budget);
        i = after;
      } else {
        // A decoded JPEG lives in its own codec session: let it go (and credit it) as soon as the component's
        // first raster exists, so effects after the resample do not hold it too.
        const decoded = working;
        let released = false;
        const release = () => {
          if (released || decoded.kind !== 'scaled' || !(decoded.img instanceof JpegSource)) return;
          released = true;
          decoded.img.free();
          budget.memory.credit(held);
          held = 0;
        };
        next = await runComponent(working, params, resolved, limits, budget, release);
        i++;
      }
      if (working.kind !== 'raster') working.img.free();
      working = { kind: 'raster', img: next };
      budget.memory.credit(held);
      held = rasterBytes(next);
    }
    return toRaster(working, budget);
  } finally {
    if (working.kind !== 'raster') working.img.free();
  }
}

/**
 * A strip-wise JPEG transcode holds the input (in JS and in WASM), 16 rows,
 * libjpeg's working memory (a progressive source: every coefficient), for
 * WebP the encoder's picture, working memory and output, and the output twice (in
 * WASM and its JS copy); a source to be turned (EXIF orientation) its whole frame in RGB.
 */
function streamCost(input: Uint8Array, info: SourceInfo, s: StreamPlan, resolved: Resolved): Estimate {
  const pixels = s.width * s.height;
  if (info.format === 'heic') return heicStreamCost(input, info, s, resolved);
  const coefficients = progressiveCoefficients(info, 1);
  // WebP: libwebp's picture, working memory and output in the module (./costs.ts webpEncodeBytes), and the output's JS copy.
  const encoder =
    s.target === 'webp'
      ? webpEncodeBytes(pixels, resolved.quality, false)
      : s.wholeImage
        ? pixels * JPEG_COEFFICIENT_BYTES(resolved.quality)
        : 0;
  const output =
    s.target === 'webp' ? pixels * webpOutputRoom(resolved.quality) : pixels * (resolved.quality >= 90 ? 2 : 1) * STREAM_OUTPUT_BYTES.jpg;
  const frame = s.orientation === 1 ? 0 : pixels * DECODE_COSTS.jpeg.bytes;
  // Rows in flight: 16 straight through, 128 when gathered from a frame being turned (longer runs down its columns).
  const strip = s.width * 3 * (s.orientation === 1 ? 16 : 128);
  const bytes = 2 * input.length + strip + coefficients + frame + encoder + output + STREAM_FIXED_BYTES;
  const how = s.orientation === 1 ? 'in strips' : `turned (EXIF orientation ${s.orientation}) from the whole frame`;
  return { bytes, what: `transcoding ${s.width}x${s.height} JPG to ${s.target.toUpperCase()} ${how}` };
}

/**
 * A HEIC delivered at full size as JPEG: the file, the coded pictures (colour
 * and alpha) and their streams, the RGBA strip one tile high, libjpeg's rows
 * and the output (in the module and its JS copy); turned (irot/imir), the
 * stored frame as RGB and the strip of rows gathered from it.
 */
function heicStreamCost(input: Uint8Array, info: SourceInfo, s: StreamPlan, resolved: Resolved): Estimate {
  const heif = readHeif(input);
  if (!heif) throw badRequest('Invalid image file: the HEIC container could not be read');
  const stripRows = heif.columns === 1 ? 16 : heif.tileHeight;
  const output = s.width * s.height * (resolved.quality >= 90 ? 2 : 1) * STREAM_OUTPUT_BYTES.jpg;
  const turned = s.orientation === 1 ? 0 : heif.width * heif.height * 3 + s.width * HEIF_TURNED_ROWS * RASTER_BYTES;
  const bytes =
    2 * input.length +
    heifPictureCost(heif, decodeExtent(info)).bytes +
    heif.width * stripRows * RASTER_BYTES +
    turned +
    s.width * 3 * 16 +
    output +
    HEIF_MODULE_BYTES +
    STREAM_FIXED_BYTES;
  const how = s.orientation === 1 ? 'in tile rows' : `turned (orientation ${s.orientation}) from the whole frame`;
  return { bytes, what: `transcoding ${s.width}x${s.height} HEIC to JPG ${how}` };
}

async function runHeicStream(input: Uint8Array, info: SourceInfo, plan: Plan, resolved: Resolved, s: StreamPlan, budget: RequestBudget) {
  const heif = readHeif(input);
  if (!heif) throw badRequest('Invalid image file: the HEIC container could not be read');
  const what = `transcoding ${s.width}x${s.height} HEIC to JPG`;
  budget.work.spend(1, heifPictureCost(heif, decodeExtent(info)).ops, what);
  budget.work.spend(s.width * s.height, ENCODE_COSTS.jpg.ops, what);
  budget.memory.charge(budget.memory.reservedBytes, what);
  engineStats.decodes++;
  const { transcodeHeifToJpeg } = await import('./codecs/heif');
  const out = await guardDecoder('HEIC', async () => transcodeHeifToJpeg(input, heif, resolved.quality, background(plan), s.orientation));
  engineStats.lastHeifWasmBytes = out.peakMemoryBytes;
  return { bytes: out.bytes, format: resolved.format, width: out.width, height: out.height, contentType: mimeFor(resolved.format) };
}

async function runStream(input: Uint8Array, info: SourceInfo, plan: Plan, resolved: Resolved, s: StreamPlan, budget: RequestBudget) {
  if (info.format === 'heic') return runHeicStream(input, info, plan, resolved, s, budget);
  const pixels = s.width * s.height;
  const what = `transcoding ${s.width}x${s.height} JPG to ${s.target.toUpperCase()}`;
  budget.work.spend(pixels, DECODE_COSTS.jpeg.ops + JPEG_ENTROPY_OPS + ENCODE_COSTS[s.target].ops, what);
  // The admission charged the whole transcode; charge it to the lease as the allocation it is.
  budget.memory.charge(budget.memory.reservedBytes, what);
  engineStats.decodes++;
  try {
    const out = await guardDecoder('JPG', async () =>
      transcodeJpeg(input, {
        shrink: 1,
        target: s.target,
        quality: resolved.quality,
        progressive: s.progressive,
        optimize: s.wholeImage,
        orientation: s.orientation,
        coefficientBytes: progressiveCoefficients(info, 1),
        lowMemory: s.target === 'webp' && webpLowMemory(pixels),
      }),
    );
    // What the module really took, beside what was charged (tests and the benchmark compare them).
    engineStats.lastStreamWasmBytes = out.peakMemoryBytes;
    const bytes = s.target === 'jpg' ? writeJpegMetadata(out.bytes, carried(input, info, plan)) : out.bytes;
    return { bytes, format: resolved.format, width: out.width, height: out.height, contentType: mimeFor(resolved.format) };
  } catch (err) {
    if (err instanceof CodecError) throw badRequest('Image could not be processed');
    throw err;
  }
}

/** A progressive JPEG's coefficient buffer (kept until the last scan) at a shrink-on-load factor, from its sampling factors. */
const progressiveCoefficients = (info: SourceInfo, shrink: JpegShrink) =>
  info.progressive ? (info.coefficientBytes?.[shrink] ?? info.width * info.height * PROGRESSIVE_COEFFICIENT_BYTES) : 0;

/** What a request will hold at its peak, estimated before anything is decoded: the admission charge. */
interface Estimate {
  bytes: number;
  what: string;
}

function estimatePeak(d: DecodePlan, outPixels: number, encoder: EncodeCost, layers: Uint8Array[]): Estimate {
  const fixed = d.decoder === 'avif' ? AVIF_DECODER_FIXED_BYTES : 0;
  const decodeBytes = d.pixels * DECODE_COSTS[d.decoder].bytes + d.extraBytes + fixed + outPixels * RASTER_BYTES;
  // The output in JS, a copy of it in the next step (or the encoder's input), and the encoder's working set; an
  // encoder working from strips only needs the raster beside it, so the peak is the larger of a step and the encode.
  const encodeBytes = encoder.strips
    ? Math.max(outPixels * 2 * RASTER_BYTES, outPixels * (RASTER_BYTES + encoder.cost.bytes) + encoder.fixed)
    : outPixels * (2 * RASTER_BYTES + encoder.cost.bytes) + encoder.fixed;
  const layerBytes = layers.reduce((n, l) => n + l.length, 0);
  const what = decodeBytes >= encodeBytes ? d.what : `encoding ${outPixels} pixels as ${encoder.format.toUpperCase()}`;
  return { bytes: Math.max(decodeBytes, encodeBytes) + layerBytes, what };
}

interface EncodeCost {
  format: OutputFormat;
  cost: { bytes: number; ops: number };
  fixed: number;
  /** The encoder reads the raster a strip at a time (no copy of it). */
  strips: boolean;
}

/** What encoding `pixels` in the resolved format costs, by the encoder that will do it. */
function encodeCost(resolved: Resolved, flags: ReadonlySet<FlagName>, pixels: number): EncodeCost {
  const { format } = resolved;
  if (format === 'jpg' && jpegInStrips(pixels, resolved.quality, flags))
    return { format, cost: JPEG_ROWS_COST, fixed: JPEG_ROWS_FIXED_BYTES, strips: true };
  if (format === 'avif') return { format, ...avifEncodeCost(resolved.lossless), strips: false };
  return { format, cost: ENCODE_COSTS[format], fixed: ENCODE_FIXED_BYTES[format] ?? 0, strips: false };
}

/** The first component's output size in pixels, from the header alone. */
function firstOutputPixels(info: SourceInfo, plan: Plan, resolved: Resolved, applyExif: boolean): number | undefined {
  const first = sizingComponent(plan);
  if (!first) return undefined;
  const upright = applyExif ? orientedSize(info) : info;
  const out = outputSize(planGeometry({ width: upright.width, height: upright.height, params: first, dpr: componentDpr(first, resolved) }));
  return out.width * out.height;
}

async function run(
  input: Uint8Array,
  info: SourceInfo,
  plan: Plan,
  resolved: Resolved,
  limits: EngineLimits,
  layers: Uint8Array[],
  decoding: DecodePlan,
  budget: RequestBudget,
): Promise<TransformResult> {
  const vector = vectorEffect(plan.components);
  // Refused before the decode: SVG is only ever a traced e_vectorize.
  if (resolved.format === 'svg' && !vector) throw SVG_NEEDS_VECTORIZE;
  const working = await decode(input, info, decoding, budget);
  try {
    const img = await applyComponents(working, plan.components, layers, resolved, limits, budget, decoding.heldBytes);
    const pixels = img.width * img.height;
    const what = `encoding ${img.width}x${img.height} ${resolved.format.toUpperCase()}`;
    const { cost, fixed } = encodeCost(resolved, plan.output.flags, pixels);
    budget.work.spend(pixels, cost.ops, what);
    // What an encoder charges as its output grows is credited with the rest when it is done.
    let grown = 0;
    engineStats.lastEncodeWasmBytes = 0;
    const charge = (n: number) => {
      budget.memory.charge(n, what);
      grown += n;
    };
    const bytes = await budget.memory.duringAsync(pixels * cost.bytes + fixed, what, async () => {
      try {
        return await encodeRaster({
          img,
          resolved,
          flags: plan.output.flags,
          background: background(plan),
          metadata: carried(input, info, plan, decoding.profile),
          vector,
          charge,
          measured: (wasm) => (engineStats.lastEncodeWasmBytes = wasm),
        });
      } finally {
        budget.memory.credit(grown);
      }
    });
    return { bytes, format: resolved.format, width: img.width, height: img.height, contentType: mimeFor(resolved.format) };
  } catch (err) {
    // A failure inside photon or the codec module after decoding (the instance is already replaced): still the input's fault, never a 500.
    if (err instanceof PhotonTrap || err instanceof CodecError) throw badRequest('Image could not be processed');
    throw err;
  } finally {
    photonRelease();
  }
}

const rasterBytes = (r: { width: number; height: number }) => r.width * r.height * RASTER_BYTES;

/** A layer image: decoded like a source (within the same limits and the same request's budgets) and run through its own components. */
async function renderLayer(
  bytes: Uint8Array,
  components: Params[],
  resolved: Resolved,
  limits: EngineLimits,
  budget: RequestBudget,
): Promise<Raster> {
  const info = inspectSource(bytes);
  const plan: Plan = {
    components: components.map((params) => ({ params, canonical: '' })),
    output: { flags: new Set() },
    canonical: '',
    dependsOn: { accept: false, dpr: false },
  };
  const decoding = planDecode(bytes, info, plan, resolved, limits, true);
  let working = await decode(bytes, info, decoding, budget);
  try {
    for (const params of components) {
      const next = await runComponent(working, params, resolved, limits, budget);
      if (working.kind !== 'raster') working.img.free();
      working = { kind: 'raster', img: next };
    }
    return toRaster(working, budget);
  } finally {
    if (working.kind !== 'raster') working.img.free();
  }
}

/**
 * How a source will be decoded, decided from its header and the plan before
 * any decoder runs: which decoder, how many pixels it produces (for JPEG after
 * shrink-on-load), and what that costs.
 */
interface DecodePlan {
  decoder: keyof typeof DECODE_COSTS;
  /** Pixels the decoder produces. */
  pixels: number;
  /** Bytes beyond the decoder's per-pixel cost: the input copied into WASM, a progressive JPEG's coefficients. */
  extraBytes: number;
  /** Work beyond the decoder's per-pixel cost (JPEG: entropy decoding of the whole file). */
  extraOps: number;
  /** Bytes the decoded image holds once decoding is done (charged until it is replaced). */
  heldBytes: number;
  what: string;
  jpeg?: JpegPlan;
  orientation: number;
  svgWidth?: number;
  page?: number;
  /** PNG read row by row: the box reduction (1: full size). */
  shrink?: number;
  /** WebP decoded straight at this size. */
  scaledTo?: { width: number; height: number };
  /** HEIC: the container as read when planning. */
  heif?: HeifImage;
  /** Set by decode(): what a PNG or WebP source's embedded profile was (converted to sRGB unless unusable or sRGB already). */
  profile?: ProfileKind;
}

function planDecode(
  input: Uint8Array,
  info: SourceInfo,
  plan: Plan,
  resolved: Resolved,
  limits: EngineLimits,
  applyExif: boolean,
): DecodePlan {
  // pg_: a GIF's frame comes from its own decoder (photon reads the first only); other formats have one page.
  const pages = plan.components.find((c) => c.params.pg)?.params.pg;
  const page = pages === undefined ? undefined : firstPage(pages);
  if (page !== undefined && info.format !== 'gif' && info.format !== 'webp' && page > info.pages)
    throw badRequest(`Invalid page in transformation: ${page} (the image has ${info.pages} page${info.pages === 1 ? '' : 's'})`);
  const orientation = applyExif ? info.orientation : 1;
  const name = info.format.toUpperCase();
  if (info.format === 'svg') {
    const svgWidth = svgRenderWidth(info, plan, resolved, limits);
    const pixels = Math.ceil(svgWidth) * Math.ceil((svgWidth * info.height) / info.width);
    const filters = svgFilterCost(input, pixels);
    return {
      decoder: 'svg',
      pixels,
      extraBytes: input.length + filters.bytes,
      extraOps: filters.ops,
      heldBytes: pixels * RASTER_BYTES,
      what: `rendering ${name}`,
      orientation: 1,
      svgWidth,
    };
  }
  if (info.format === 'jpg') return planJpeg(input, info, plan, resolved, limits, orientation);
  const rows = info.format === 'png' && page === undefined ? planPngRows(input, info, plan, resolved) : undefined;
  if (rows) return rows;
  if (info.format === 'webp' && info.pages === 1) return planWebp(input, info, plan, resolved);
  if (info.format === 'heic') return planHeic(input, info, plan, resolved, orientation);
  const { width, height } = decodeExtent(info);
  const pixels = width * height;
  if (pixels > limits.maxDecodePixels) throw TOO_LARGE('decoding', pixels, limits.maxDecodePixels);
  // A frame of an animation other than the first, or any frame of an animated WebP (photon reads neither), comes from the frame decoders.
  const frames = (page !== undefined && info.format === 'gif') || (info.format === 'webp' && info.pages > 1);
  const decoder = info.format === 'avif' ? 'avif' : frames ? 'gifFrame' : 'photon';
  const heldBytes = decoder === 'photon' ? pixels * DECODE_COSTS.photon.bytes : pixels * RASTER_BYTES;
  return {
    decoder,
    pixels,
    extraBytes: input.length,
    extraOps: 0,
    heldBytes,
    what: `decoding ${width}x${height} ${name}`,
    orientation,
    page,
  };
}

/**
 * JPEG decodes in the codec module with shrink-on-load: the first component's
 * geometry (in source coordinates) says how much of the source it needs, and
 * only that many pixels (at 3 bytes each) are ever decoded.
 */
function planJpeg(
  input: Uint8Array,
  info: SourceInfo,
  plan: Plan,
  resolved: Resolved,
  limits: EngineLimits,
  orientation: number,
): DecodePlan {
  const turned = orientation >= 5;
  const g = firstGeometry(info, plan, resolved, orientation);
  const need = g && (turned ? { width: g.size.height, height: g.size.width } : g.size);
  const max = limits.maxJpegDecodePixels ?? limits.maxDecodePixels;
  const planned = planJpegDecode(info.width, info.height, need, g && storedRect(g.region, orientation, info.width, info.height));
  // DCT scaling averages CMYK before it is converted, which renders a reduced CMYK image visibly off (mean difference 4.8
  // at 1/4 against converting first, 1.6 at full size): CMYK decodes whole while that fits, then reduces in sRGB.
  const jpeg = info.cmyk && info.width * info.height <= max ? planJpegDecode(info.width, info.height) : planned;
  const pixels = jpeg.width * jpeg.height;
  if (pixels > max) throw TOO_LARGE('decoding', pixels, max);
  const sourcePixels = info.width * info.height;
  const coefficients = progressiveCoefficients(info, jpeg.shrink);
  return {
    decoder: 'jpeg',
    pixels,
    extraBytes: input.length + coefficients,
    extraOps: sourcePixels * JPEG_ENTROPY_OPS,
    heldBytes: pixels * DECODE_COSTS.jpeg.bytes + input.length,
    what: `decoding ${info.width}x${info.height} JPG at 1/${jpeg.shrink}`,
    jpeg,
    orientation,
  };
}

/**
 * A PNG larger than ROW_DECODE_ABOVE_PIXELS, or interlaced, is read row by
 * row in the codec module and box-reduced on the way by the largest whole
 * factor whose result still covers what the first component needs: memory
 * follows the width and the reduced size (an interlaced one adds its RGBA
 * frame in the module, charged: beyond the memory budget it is a 400), and
 * MAX_DECODE_PIXELS (photon's whole-frame ceiling) does not apply; the work
 * budget bounds how many rows may be read.
 */
function planPngRows(input: Uint8Array, info: SourceInfo, plan: Plan, resolved: Resolved): DecodePlan | undefined {
  const header = pngHeader(input);
  const pixels = info.width * info.height;
  if (!header || (!header.interlaced && pixels <= ROW_DECODE_ABOVE_PIXELS)) return undefined;
  const first = plan.components[0]?.params;
  const g = first && planGeometry({ width: info.width, height: info.height, params: first, dpr: componentDpr(first, resolved) });
  const shrink = g ? Math.max(1, Math.floor(Math.min(g.region.width / g.size.width, g.region.height / g.size.height))) : 1;
  const size = reducedSize(info.width, info.height, shrink);
  const reduced = size.width * size.height;
  return {
    decoder: 'pngRows',
    pixels: reduced,
    extraBytes: input.length + pngDecodeBytes(header, shrink),
    extraOps: pixels * PNG_ROW_OPS,
    heldBytes: reduced * RASTER_BYTES,
    what: `decoding ${info.width}x${info.height} ${header.interlaced ? 'interlaced PNG' : 'PNG row by row'} at 1/${shrink}`,
    orientation: 1,
    shrink,
  };
}

/** The sizing component's geometry over the upright image (a quarter-turned source's sides swapped), if there is one. */
function firstGeometry(info: SourceInfo, plan: Plan, resolved: Resolved, orientation: number) {
  const first = sizingComponent(plan);
  if (!first) return undefined;
  const turned = orientation >= 5;
  const width = turned ? info.height : info.width;
  const height = turned ? info.width : info.height;
  return planGeometry({ width, height, params: first, dpr: componentDpr(first, resolved) });
}

/**
 * HEIC is decoded a row of tiles at a time (./codecs/heif.ts) and
 * box-reduced on the way like a large PNG: the decode holds one coded tile
 * (as large as the largest SPS in the file codes, whatever `ispe` claims),
 * a strip one tile high and the reduced image, so MAX_DECODE_PIXELS (photon's
 * whole-frame ceiling) does not apply; the work budget is charged for every
 * pixel the tiles really code.
 */
function planHeic(input: Uint8Array, info: SourceInfo, plan: Plan, resolved: Resolved, orientation: number): DecodePlan {
  const heif = readHeif(input);
  if (!heif) throw badRequest('Invalid image file: the HEIC container could not be read');
  const g = firstGeometry(info, plan, resolved, orientation);
  const shrink = g ? Math.max(1, Math.floor(Math.min(g.region.width / g.size.width, g.region.height / g.size.height))) : 1;
  const size = reducedSize(info.width, info.height, shrink);
  const reduced = size.width * size.height;
  const pictures = heifPictureCost(heif, decodeExtent(info));
  const stripRows = heif.columns === 1 ? 16 : heif.tileHeight;
  return {
    decoder: 'heicRows',
    pixels: reduced,
    // The file, the coded pictures (colour and alpha) with their streams, and the RGBA strip.
    extraBytes: input.length + pictures.bytes + info.width * stripRows * RASTER_BYTES + HEIF_MODULE_BYTES,
    extraOps: pictures.ops,
    heldBytes: reduced * RASTER_BYTES,
    what: `decoding ${info.width}x${info.height} HEIC in tile rows at 1/${shrink}`,
    orientation,
    shrink,
    heif,
  };
}

/**
 * A still WebP is decoded by libwebp at the size the first component needs
 * (its rescaler works on rows as they are decoded): a lossy file costs its
 * scaled size plus a full-size alpha plane at most, a lossless one is decoded
 * whole (4 bytes per pixel) first. photon's whole-frame ceiling does not apply.
 */
function planWebp(input: Uint8Array, info: SourceInfo, plan: Plan, resolved: Resolved): DecodePlan {
  const size = neededSize(info, plan, resolved);
  const pixels = size.width * size.height;
  const full = info.width * info.height;
  return {
    decoder: 'webpScaled',
    pixels,
    extraBytes: input.length + full * (info.lossy ? WEBP_LOSSY_FULL_BYTES : WEBP_LOSSLESS_FULL_BYTES),
    extraOps: full * WEBP_DECODE_OPS,
    heldBytes: pixels * RASTER_BYTES,
    what: `decoding ${info.width}x${info.height} WEBP at ${size.width}x${size.height}`,
    orientation: 1,
    scaledTo: size,
  };
}

/** The smallest size (same aspect as the source) that still covers what the first component needs of it. */
function neededSize(info: SourceInfo, plan: Plan, resolved: Resolved): { width: number; height: number } {
  const first = plan.components[0]?.params;
  if (!first) return { width: info.width, height: info.height };
  const g = planGeometry({ width: info.width, height: info.height, params: first, dpr: componentDpr(first, resolved) });
  const k = Math.max(1, Math.min(g.region.width / g.size.width, g.region.height / g.size.height));
  return { width: Math.max(1, Math.ceil(info.width / k)), height: Math.max(1, Math.ceil(info.height / k)) };
}

/** Charges the decode to the request's budgets, then decodes. */
async function decode(input: Uint8Array, info: SourceInfo, d: DecodePlan, budget: RequestBudget): Promise<Working> {
  const cost = DECODE_COSTS[d.decoder];
  budget.work.spend(d.pixels, cost.ops, d.what);
  budget.work.spend(1, d.extraOps, d.what);
  const peakBytes = d.pixels * cost.bytes + d.extraBytes + (d.decoder === 'avif' ? AVIF_DECODER_FIXED_BYTES : 0);
  const profile = await sourceProfile(input, info.format, d.pixels, d.what, budget);
  d.profile = profile.kind;
  engineStats.lastSourceProfile = profile.note;
  // The decoder's peak is charged for the decode; what the decoded image keeps stays charged until it is replaced.
  budget.memory.charge(peakBytes, d.what);
  let working: Working;
  try {
    engineStats.decodes++;
    working = await DECODERS[d.decoder](input, info, d);
  } finally {
    budget.memory.credit(peakBytes);
    budget.memory.charge(d.heldBytes, d.what);
  }
  const icc = profile.icc;
  if (!icc) return working;
  try {
    return inSrgb(working, icc, budget);
  } catch (err) {
    if (working.kind !== 'raster') working.img.free();
    throw err;
  } finally {
    releaseProfile(profile, budget);
  }
}

/** The decoded pixels converted to sRGB: in place where they are in JS, through an RGBA copy for photon. */
function inSrgb(working: Working, icc: Uint8Array, budget: RequestBudget): Working {
  const convert = (img: Raster) => convertToSrgb(img, icc, budget);
  if (working.kind === 'raster') convert(working.img);
  // PNG rows and libwebp's output live in a ReducedSource, which hands out its own pixels.
  else if (working.kind === 'scaled' && working.img instanceof ReducedSource) convert(working.img.toRgba());
  if (working.kind !== 'photon') return working;
  const old = working.img;
  const { width, height } = photonSize(old);
  const img = budget.memory.during(width * height * ICC_PHOTON_BYTES, 'converting the decoded image to sRGB', () => {
    const raster = photonToRaster(old);
    convert(raster);
    return photonFromRaster(raster);
  });
  old.free();
  return { kind: 'photon', img, orientation: working.orientation };
}

const DECODERS: Record<DecodePlan['decoder'], (input: Uint8Array, info: SourceInfo, d: DecodePlan) => Promise<Working>> = {
  async svg(input, info, d) {
    const { renderSvg } = await import('./codecs/svg');
    const img = await guardDecoder('SVG', () => renderSvg(input, d.svgWidth ?? info.width));
    // resvg rounds the height its own way; keep the intrinsic aspect ratio exactly as the geometry computes it.
    const height = Math.max(1, Math.round((info.height * img.width) / info.width));
    return { kind: 'raster', img: height === img.height ? img : resizeRaster(img, img.width, height) };
  },
  async jpeg(input, info, d) {
    const plan = d.jpeg as JpegPlan;
    const img = await guardDecoder('JPG', async () =>
      JpegSource.decode(input, info.width, info.height, plan, plan.width * plan.height, progressiveCoefficients(info, plan.shrink)),
    );
    return { kind: 'scaled', img, orientation: d.orientation };
  },
  async pngRows(input, info, d) {
    const { decodePngReduced } = await import('./codecs/png-rows');
    const img = await decodePngReduced(input, d.shrink ?? 1);
    return { kind: 'scaled', img: new ReducedSource(img, info.width, info.height), orientation: 1 };
  },
  async heicRows(input, info, d) {
    const { decodeHeifReduced } = await import('./codecs/heif');
    const heif = d.heif ?? readHeif(input);
    if (!heif) throw badRequest('Invalid image file: the HEIC container could not be read');
    const out = await guardDecoder('HEIC', async () => decodeHeifReduced(input, heif, d.shrink ?? 1));
    engineStats.lastHeifWasmBytes = out.peakMemoryBytes;
    return { kind: 'scaled', img: new ReducedSource(out.img, info.width, info.height), orientation: d.orientation };
  },
  async webpScaled(input, info, d) {
    const size = d.scaledTo ?? info;
    const img = await guardDecoder('WEBP', async () => decodeWebpScaled(input, size.width, size.height));
    return { kind: 'scaled', img: new ReducedSource(img, info.width, info.height), orientation: 1 };
  },
  async avif(input) {
    const { decodeAvif } = await import('./codecs/avif');
    return { kind: 'raster', img: await guardDecoder('AVIF', () => decodeAvif(input)) };
  },
  async gifFrame(input, info, d) {
    if (info.format === 'webp') {
      const { decodeWebpFrame } = await import('./codecs/webp/anim-decode');
      return { kind: 'raster', img: await guardDecoder('WEBP', async () => decodeWebpFrame(input, d.page ?? 1)) };
    }
    const { decodeGifFrame } = await import('./codecs/gif-frames');
    return { kind: 'raster', img: decodeGifFrame(input, d.page ?? 1) };
  },
  async photon(input, info, d) {
    const img = await guardDecoder(info.format.toUpperCase(), async () => photonDecode(input));
    return { kind: 'photon', img, orientation: d.orientation };
  },
};

/** The first component's output size is known from the header alone: refuse an oversized one before decoding. */
function checkFirstOutput(info: SourceInfo, plan: Plan, resolved: Resolved, limits: EngineLimits, applyExif: boolean): void {
  const pixels = firstOutputPixels(info, plan, resolved, applyExif);
  if (pixels !== undefined && pixels > limits.maxOutputPixels) throw TOO_LARGE('output', pixels, limits.maxOutputPixels);
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

async function runComponent(
  working: Working,
  params: Params,
  resolved: Resolved,
  limits: EngineLimits,
  budget: RequestBudget,
  /** Lets the working image go once its resampled raster exists (the caller knows what it holds). */
  release: () => void = () => undefined,
): Promise<Raster> {
  const { width, height } = dimsOf(working);
  const needsFocus =
    params.g?.kind === 'auto' ||
    params.c === 'fill_pad' ||
    (params.c === 'auto' && !params.g) ||
    (params.g?.kind === 'custom' && !!params.g.fallback) ||
    (params.g?.kind === 'faces' && params.g.fallback === 'auto');
  const focus = needsFocus ? findFocus(focusThumbnail(working, budget), width, height) : undefined;
  const geo = planGeometry({ width, height, params, dpr: componentDpr(params, resolved), focus });
  const out = outputSize(geo);
  if (out.width * out.height > limits.maxOutputPixels) throw TOO_LARGE('output', out.width * out.height, limits.maxOutputPixels);
  let img = resample(working, geo, budget);
  release();
  if (geo.canvas) {
    budget.memory.charge(rasterBytes(geo.canvas), 'padding');
    const placed = padCanvas(img, geo.canvas, params.b);
    budget.memory.credit(rasterBytes(img));
    img = placed;
  }
  if (params.e?.faces) params = { ...params, e: { ...params.e, faces: params.e.faces.map((a) => throughGeometry(a, geo)) } };
  for (const [key, effect] of PIXEL_EFFECTS) {
    const value = params[key];
    if (value === undefined) continue;
    const name = key === 'e' ? (value as Effect).name : key;
    const cost = effectCost(key, value, img.width, img.height);
    const pixels = img.width * img.height;
    const what = `${name} on ${img.width}x${img.height}`;
    budget.work.spend(pixels, cost.ops, what);
    const before = img;
    img = budget.memory.during(pixels * cost.bytes, what, () => effect.apply(before, value as never, params));
    if (img !== before) {
      budget.memory.charge(rasterBytes(img), what);
      budget.memory.credit(rasterBytes(before));
    }
  }
  return img;
}

/** Where an area of a component's input lands in its output: the region is cut, resampled to the size, and placed on the canvas. */
function throughGeometry(a: Area, geo: Geometry): Area {
  const sx = geo.size.width / geo.region.width;
  const sy = geo.size.height / geo.region.height;
  return {
    x: (a.x - geo.region.x) * sx + (geo.canvas?.x ?? 0),
    y: (a.y - geo.region.y) * sy + (geo.canvas?.y ?? 0),
    width: a.width * sx,
    height: a.height * sy,
  };
}

/** Entries whose effect is a pixel step, in their order. */
const PIXEL_EFFECTS = (Object.values(REGISTRY) as { key: ParamKey; effect: unknown }[])
  .filter((e): e is { key: ParamKey; effect: PixelEffect<ParamKey> } => typeof e.effect === 'object')
  .sort((a, b) => a.effect.order - b.effect.order)
  .map((e) => [e.key, e.effect] as const);

function resizeRaster(img: Raster, width: number, height: number, budget?: RequestBudget): Raster {
  return resample(
    { kind: 'raster', img },
    { region: { x: 0, y: 0, width: img.width, height: img.height }, size: { width, height } },
    budget,
  );
}

/**
 * Takes the geometry's region and resamples it; a pending EXIF orientation is
 * applied to the (small) result. The result stays charged to the request
 * (the caller credits it when it is replaced); the copies in WASM only while
 * the resampler runs.
 */
function resample(working: Working, geo: Geometry, budget?: RequestBudget): Raster {
  if (!budget) return resampleNow(working, geo);
  const outBytes = geo.size.width * geo.size.height * RASTER_BYTES;
  const { width, height } = dimsOf(working);
  // Pixels the resampler reads: the region, at the decoded resolution (a JPEG decoded with shrink-on-load has fewer).
  const decodedShare = working.kind === 'scaled' ? (working.img.width * working.img.height) / (width * height) : 1;
  budget.work.spend(geo.region.width * geo.region.height * decodedShare, RESAMPLE_OPS, 'resampling');
  budget.memory.charge(outBytes, `resampling to ${geo.size.width}x${geo.size.height}`);
  // A source read whole at full size (a PNG or HEIC at 1/1) asked for as it is: its pixels are the result.
  if (working.kind === 'scaled' && isIdentity(working, geo)) return working.img.toRgba();
  // Same size, whole pixels, decoded at full resolution (an effect, layer or c_crop at full size): rows are copied straight out.
  const crop = wholePixelCrop(working, geo);
  if (crop && working.kind === 'scaled') {
    const { img, orientation } = working;
    if (orientation === 1) return img.crop(crop);
    return budget.memory.during(outBytes, 'turning', () => orient(img.crop(crop), orientation));
  }
  const copies = working.kind === 'raster' ? rasterBytes(working.img) + outBytes : 2 * outBytes;
  return budget.memory.during(copies, 'resampling', () => resampleNow(working, geo));
}

/** The stored-pixel rectangle when the geometry only cuts whole pixels out of a source decoded at full resolution. */
function wholePixelCrop(working: Working, geo: Geometry): Rect | undefined {
  if (working.kind !== 'scaled') return undefined;
  const { img, orientation: o } = working;
  if (img.width !== img.sourceWidth || img.height !== img.sourceHeight) return undefined;
  const r = storedRect(geo.region, o, img.sourceWidth, img.sourceHeight);
  const size = o >= 5 ? { width: geo.size.height, height: geo.size.width } : geo.size;
  const whole = [r.x, r.y, r.width, r.height].every(Number.isInteger) && r.x >= 0 && r.y >= 0;
  const inside = r.x + r.width <= img.width && r.y + r.height <= img.height;
  return whole && inside && r.width === size.width && r.height === size.height ? r : undefined;
}

function isIdentity(working: Working, geo: Geometry): boolean {
  if (working.kind !== 'scaled' || working.orientation !== 1 || !(working.img instanceof ReducedSource)) return false;
  const { img } = working;
  const { region, size } = geo;
  return (
    img.width === img.sourceWidth &&
    img.height === img.sourceHeight &&
    region.x === 0 &&
    region.y === 0 &&
    region.width === img.width &&
    region.height === img.height &&
    size.width === img.width &&
    size.height === img.height
  );
}

function resampleNow(working: Working, geo: Geometry): Raster {
  if (working.kind === 'raster') return resampleRgba(working.img, geo.region, geo.size.width, geo.size.height);
  const { width: sw, height: sh } = dimsOfStored(working);
  const o = working.orientation;
  const region = storedRect(geo.region, o, sw, sh);
  const size = o >= 5 ? { width: geo.size.height, height: geo.size.width } : geo.size;
  if (working.kind === 'scaled') return orient(working.img.resample(region, size.width, size.height), o);
  const out = photonCropResize(working.img, region, size.width, size.height);
  try {
    return orient(photonToRaster(out), o);
  } finally {
    out.free();
  }
}

const dimsOfStored = (w: Exclude<Working, { kind: 'raster' }>) =>
  w.kind === 'scaled' ? { width: w.img.sourceWidth, height: w.img.sourceHeight } : photonSize(w.img);

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

/** The working image as a raster in JS: a decoded source's whole RGBA copy is charged before it is made. */
function toRaster(working: Working, budget: RequestBudget): Raster {
  if (working.kind === 'raster') return working.img;
  const { width, height } = working.kind === 'scaled' ? working.img : photonSize(working.img);
  budget.memory.charge(width * height * RASTER_BYTES * (working.orientation === 1 ? 1 : 2), `copying ${width}x${height} pixels`);
  if (working.kind === 'scaled') return orient(working.img.toRgba(), working.orientation);
  return orient(photonToRaster(working.img), working.orientation);
}

/** A small upright copy of the working image for the content-aware gravity. */
function focusThumbnail(working: Working, budget: RequestBudget): Raster {
  const { width, height } = dimsOf(working);
  const scale = Math.min(1, 128 / Math.max(width, height));
  const tw = Math.max(1, Math.round(width * scale));
  const th = Math.max(1, Math.round(height * scale));
  if (working.kind === 'raster') {
    return budget.memory.during(rasterBytes(working.img), 'finding the focus', () => {
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
    });
  }
  const o = working.orientation;
  if (working.kind === 'scaled') {
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

/**
 * Metadata kept from a source. The codec module converts every JPEG to
 * sRGB, so its profile is kept only when it describes sRGB already; one that
 * was converted (Adobe RGB, Display P3, CMYK) is replaced by a small sRGB
 * profile, as `cs_tinysrgb` asks for any source. PNG and WebP sources are
 * converted after decoding; their profile is always replaced (it is not read
 * again here). fl_strip_profile drops either. IPTC (JPEG) with fl_keep_iptc.
 */
function carried(input: Uint8Array, info: SourceInfo, plan: Plan, sourceProfile?: ProfileKind): CarriedMetadata {
  const { flags, colourSpace } = plan.output;
  const tiny = colourSpace === 'tinysrgb' ? srgbProfile() : undefined;
  // A PNG or WebP source's usable profile (sRGB, or converted from) is replaced by the small sRGB one; an unusable one is dropped.
  const replaced = sourceProfile && sourceProfile !== 'unusable' ? srgbProfile() : undefined;
  if (info.format !== 'jpg') return { icc: flags.has('strip_profile') ? undefined : (tiny ?? replaced) };
  const meta = readJpegMetadata(input);
  const own = meta.icc && (tiny ?? (iccIsSrgb(meta.icc) ? meta.icc : srgbProfile()));
  return { icc: flags.has('strip_profile') ? undefined : (tiny ?? own), iptc: flags.has('keep_iptc') ? meta.iptc : undefined };
}
