import { badRequest } from '../../errors';
import type { RequestBudget } from '../budget';
import { gifFrames, gifLoopCount } from '../codecs/gif-frames';
import { resampleRgba } from '../codecs/pipeline';
import { webpAnimation, webpFrames } from '../codecs/webp/anim-decode';
import {
  ANIMATION_FRAME_BYTES,
  ANIMATION_FRAME_OPS,
  DECODE_COSTS,
  ENCODE_COSTS,
  ICC_CONVERT_OPS,
  RASTER_BYTES,
  RESAMPLE_OPS,
  WEBP_DECODE_OPS,
} from '../costs';
import { outputSize, planGeometry } from '../geometry';
import type { SourceInfo } from '../inspect';
import type { Resolved } from '../negotiate';
import { place, TRANSPARENT, type Raster } from '../raster';
import { pageSelector } from '../params/page';
import { decodeExtent } from '../sniff';
import { convertToSrgb, releaseProfile, sourceProfile } from '../source-profile';
import type { Color, Params, Plan, ZoomPan } from '../types';
import { animatedAutoFormat, timelineOf, type AnimationSource } from './plan';
import { ANIMATION_WRITERS, type AnimatedFormat, type EncodedFrame } from './writers';
import { zoomPanDelay, zoomPanFrames, zoomPanRegions } from './zoompan';

/** What the engine gives the animation runner: the plan split around e_zoompan, and how to run components. */
export interface AnimationJob {
  input: Uint8Array;
  info: SourceInfo;
  plan: Plan;
  resolved: Resolved;
  source: AnimationSource;
  limits: { maxDecodePixels: number; maxOutputPixels: number };
  /** The components run on every frame (for e_zoompan: those after it). */
  frameComponents: Params[];
  /** e_zoompan's options and the components before it (its own component's geometry included), which make the still. */
  zoompan?: { options: ZoomPan; before: Params[] };
  /** Runs frameComponents on one frame; the result is charged to the budget (the runner credits it once encoded). */
  perFrame(img: Raster, budget: RequestBudget): Promise<Raster>;
  /** Decodes the source and runs `before` on it: the still e_zoompan moves over (charged to the budget). */
  still(budget: RequestBudget): Promise<Raster>;
  background: Color;
}

/** Encoded bytes per output pixel and frame that the admission reserves (GIF of a photo: about 0.5; LZW of noise: 1.5). */
const OUTPUT_BYTES: Record<AnimatedFormat, number> = { gif: 1, webp: 0.5, png: 2 };

interface Shape {
  /** The frame the components start from. */
  width: number;
  height: number;
  /** Frames decoded (all up to the last one kept) and frames kept. */
  decoded: number;
  kept: number;
  /** The largest frame a WebP source's decoder produces before it is drawn on the canvas (0 for GIF). */
  largestFrame: number;
  out: { width: number; height: number };
  format: AnimatedFormat;
}

const toAnimated = (format: Resolved['format']): AnimatedFormat => (format === 'png' ? 'png' : format === 'webp' ? 'webp' : 'gif');

/** Frames, sizes and the output format, from the headers and the plan before anything is decoded. */
export function animationShape(job: AnimationJob): Shape {
  const { info, plan } = job;
  const format = toAnimated(
    job.resolved.format === 'avif' || job.resolved.format === 'jpg' ? animatedAutoFormat(job.resolved.format) : job.resolved.format,
  );
  let width = info.width;
  let height = info.height;
  let count: number;
  let largestFrame = 0;
  if (job.zoompan) {
    ({ width, height } = sizeAfter(job.zoompan.before, width, height));
    count = zoomPanFrames(job.zoompan.options);
  } else if (info.format === 'webp') {
    const anim = webpAnimation(job.input);
    count = anim.frames.length;
    largestFrame = anim.frames.reduce((n, f) => Math.max(n, f.width * f.height), 0);
    if (largestFrame > job.limits.maxDecodePixels) throw tooLarge('decoding a frame of', largestFrame, job.limits.maxDecodePixels);
  } else {
    count = info.pages;
    const extent = decodeExtent(info);
    if (extent.width * extent.height > job.limits.maxDecodePixels)
      throw tooLarge('decoding', extent.width * extent.height, job.limits.maxDecodePixels);
  }
  if (!count) throw badRequest('Invalid image file: an animation without frames');
  if (width * height > job.limits.maxDecodePixels) throw tooLarge('decoding', width * height, job.limits.maxDecodePixels);
  const pages = plan.components.find((c) => c.params.pg !== undefined)?.params.pg;
  const select = pages === undefined || job.zoompan ? undefined : pageSelector(pages);
  let kept = count;
  let decoded = count;
  if (select) {
    kept = 0;
    for (let n = 1; n <= count; n++) if (select.keeps(n)) kept++;
    decoded = Math.min(count, select.last);
    if (!kept) throw badRequest(`Invalid page in transformation: no frame of the ${count} is selected`);
  }
  const out = sizeAfter(job.frameComponents, width, height);
  if (out.width * out.height > job.limits.maxOutputPixels) throw tooLarge('output', out.width * out.height, job.limits.maxOutputPixels);
  return { width, height, decoded, kept, largestFrame, out, format };
}

const tooLarge = (what: string, pixels: number, max: number) =>
  badRequest(`Image too large: ${what} ${pixels} pixels, maximum is ${max} pixels`);

/** The size the components make of a width x height frame (layers do not change it). */
function sizeAfter(components: Params[], width: number, height: number): { width: number; height: number } {
  let size = { width, height };
  for (const params of components) {
    if (params.l || params.u) continue;
    size = outputSize(
      planGeometry({ width: size.width, height: size.height, params, dpr: typeof params.dpr === 'number' ? params.dpr : 1 }),
    );
  }
  return size;
}

/** Pixel operations of the whole animation: decoding every frame up to the last kept, then each kept frame's resampling and encoding. */
export function animationWork(job: AnimationJob, s: Shape): number {
  const framePixels = s.width * s.height;
  const outPixels = s.out.width * s.out.height;
  const decodeOps = job.zoompan ? RESAMPLE_OPS : job.info.format === 'webp' ? WEBP_DECODE_OPS + 10 : DECODE_COSTS.gifFrame.ops;
  const perKept = (job.frameComponents.length ? framePixels * RESAMPLE_OPS : 0) + outPixels * ENCODE_COSTS[s.format].ops;
  return s.decoded * (framePixels * decodeOps + ANIMATION_FRAME_OPS) + s.kept * (perKept + ANIMATION_FRAME_OPS);
}

/** Bytes held at the peak: the canvas (and its saved copy), one frame in work and its encoder, and the output so far. */
export function animationBytes(job: AnimationJob, s: Shape): number {
  const framePixels = s.width * s.height;
  const outPixels = s.out.width * s.out.height;
  const canvas = job.zoompan
    ? framePixels * RASTER_BYTES
    : framePixels * (2 * RASTER_BYTES + 1) + s.largestFrame * DECODE_COSTS.webpScaled.bytes;
  const frame = framePixels * RASTER_BYTES + outPixels * (2 * RASTER_BYTES + ENCODE_COSTS[s.format].bytes);
  // The frames' bytes, then the file they are joined into.
  const output = 2 * s.kept * (outPixels * OUTPUT_BYTES[s.format] + ANIMATION_FRAME_BYTES) * (timelineOf(job.plan).boomerang ? 2 : 1);
  return canvas + frame + output;
}

/** A frame as the source shows it, and how long. */
interface SourceFrame {
  img: Raster;
  delay: number;
}

/**
 * Decodes, transforms and encodes one frame at a time: the source's canvas
 * and the frame in work are the only images held; each encoded frame's bytes
 * are charged as they are kept.
 */
export async function runAnimation(
  job: AnimationJob,
  s: Shape,
  budget: RequestBudget,
): Promise<{ bytes: Uint8Array; width: number; height: number }> {
  const timeline = timelineOf(job.plan);
  const loop = timeline.loop ?? sourceLoop(job);
  // GIF frames become lossy WebP (a 256-colour palette gains nothing from lossless coding but size); a lossless WebP source stays lossless.
  const resolved = { ...job.resolved, lossless: job.resolved.lossless && job.info.format !== 'gif' };
  const writer = ANIMATION_WRITERS[s.format]({ width: s.out.width, height: s.out.height, loop, resolved, background: job.background });
  const kept: EncodedFrame[] = [];
  const what = `${s.kept} frames of ${s.width}x${s.height} as animated ${s.format.toUpperCase()}`;
  const canvasBytes = job.zoompan ? 0 : s.width * s.height * RASTER_BYTES * 2;
  budget.memory.charge(canvasBytes, `decoding ${what}`);
  let outputBytes = 0;
  try {
    for await (const frame of sourceFrames(job, s, budget)) {
      let img = await job.perFrame(frame.img, budget);
      const held = img === frame.img ? 0 : img.width * img.height * RASTER_BYTES;
      if (img.width !== s.out.width || img.height !== s.out.height) img = place(img, s.out.width, s.out.height, 0, 0, TRANSPARENT);
      const pixels = s.out.width * s.out.height;
      budget.work.spend(pixels, ENCODE_COSTS[s.format].ops, `encoding ${what}`);
      const encoded = await budget.memory.duringAsync(pixels * ENCODE_COSTS[s.format].bytes, `encoding ${what}`, () =>
        writer.encode(img, timeline.delay ?? frame.delay),
      );
      budget.memory.credit(held);
      budget.memory.charge(encoded.bytes, `keeping ${what}`);
      outputBytes += encoded.bytes;
      encoded.add();
      kept.push(encoded);
    }
    // e_boomerang: the frames again in reverse, without repeating the last or the first.
    let written = outputBytes;
    if (timeline.boomerang) {
      for (let i = kept.length - 2; i > 0; i--) {
        kept[i].add();
        written += kept[i].bytes;
      }
    }
    return budget.memory.during(written, `writing ${what}`, () => ({
      bytes: writer.finish(),
      width: s.out.width,
      height: s.out.height,
    }));
  } finally {
    budget.memory.credit(canvasBytes + outputBytes);
  }
}

/** The source's own loop: GIF's NETSCAPE repetitions (none: plays once), WebP's plays (0: forever). */
function sourceLoop(job: AnimationJob): number | undefined {
  if (job.zoompan) return 0;
  if (job.info.format === 'gif') return gifLoopCount(job.input);
  const plays = webpAnimation(job.input).plays;
  return plays === 0 ? 0 : plays === 1 ? undefined : plays - 1;
}

/** The kept frames in order: the source's (selected by pg_), or the still's zoom and pan. */
async function* sourceFrames(job: AnimationJob, s: Shape, budget: RequestBudget): AsyncGenerator<SourceFrame> {
  const framePixels = s.width * s.height;
  if (job.zoompan) {
    const still = await job.still(budget);
    const delay = zoomPanDelay(job.zoompan.options);
    try {
      for (const r of zoomPanRegions(job.zoompan.options, still.width, still.height)) {
        const region = snap(r, still.width, still.height);
        budget.work.spend(region.width * region.height, RESAMPLE_OPS, 'zooming and panning');
        const img = budget.memory.during(
          region.width * region.height * RASTER_BYTES + framePixels * RASTER_BYTES,
          'zooming and panning',
          () => resampleRgba(crop(still, region), { x: 0, y: 0, width: region.width, height: region.height }, still.width, still.height),
        );
        budget.memory.charge(framePixels * RASTER_BYTES, 'zooming and panning');
        try {
          yield { img, delay };
        } finally {
          budget.memory.credit(framePixels * RASTER_BYTES);
        }
      }
    } finally {
      budget.memory.credit(still.width * still.height * RASTER_BYTES);
    }
    return;
  }
  const pages = job.plan.components.find((c) => c.params.pg !== undefined)?.params.pg;
  const select = pages === undefined ? undefined : pageSelector(pages);
  const frames = job.info.format === 'webp' ? webpFrames(job.input) : gifFrames(job.input);
  const decodeOps = job.info.format === 'webp' ? WEBP_DECODE_OPS + 10 : DECODE_COSTS.gifFrame.ops;
  // An animated WebP's profile applies to every frame: its work is spent per frame below, the profile read once.
  const profile = await sourceProfile(job.input, job.info.format, 0, 'frames', budget);
  let n = 0;
  try {
    for (;;) {
      budget.work.spend(framePixels, decodeOps, `decoding frame ${n + 1} of ${s.width}x${s.height}`);
      const next = frames.next();
      if (next.done) return;
      n++;
      if (select && !select.keeps(n)) {
        if (n >= select.last) return;
        continue;
      }
      const f = next.value;
      const img = { data: f.canvas, width: f.width, height: f.height };
      if (!profile.icc || !profile.kind || profile.kind === 'unusable' || profile.kind === 'srgb') yield { img, delay: f.delay };
      else yield* inSrgb(img, f.delay, profile.icc, ICC_CONVERT_OPS[profile.kind], budget);
      if (select && n >= select.last) return;
    }
  } finally {
    releaseProfile(profile, budget);
  }
}

/** A frame converted to sRGB: a copy, as the decoder composes the next frame on its canvas. */
function* inSrgb(frame: Raster, delay: number, icc: Uint8Array, ops: number, budget: RequestBudget): Generator<SourceFrame> {
  const bytes = frame.width * frame.height * RASTER_BYTES;
  budget.work.spend(frame.width * frame.height, ops, 'converting a frame to sRGB');
  budget.memory.charge(bytes, 'converting a frame to sRGB');
  try {
    const img = { ...frame, data: frame.data.slice() };
    convertToSrgb(img, icc, budget);
    yield { img, delay };
  } finally {
    budget.memory.credit(bytes);
  }
}

/** A region in whole pixels inside the image. */
function snap(r: { x: number; y: number; width: number; height: number }, w: number, h: number) {
  const width = Math.max(1, Math.min(w, Math.round(r.width)));
  const height = Math.max(1, Math.min(h, Math.round(r.height)));
  return { x: Math.min(w - width, Math.max(0, Math.round(r.x))), y: Math.min(h - height, Math.max(0, Math.round(r.y))), width, height };
}

function crop(img: Raster, r: { x: number; y: number; width: number; height: number }): Raster {
  const data = new Uint8Array(r.width * r.height * 4);
  for (let row = 0; row < r.height; row++) {
    const from = ((r.y + row) * img.width + r.x) * 4;
    data.set(img.data.subarray(from, from + r.width * 4), row * r.width * 4);
  }
  return { data, width: r.width, height: r.height };
}
