import type { Params } from '../../protocol/params';
import { analyseColors, type ColorAnalysis } from '../../engine/analysis/colors';
import { readImageMetadata, type ImageMetadata } from './metadata';
import { phash } from '../../engine/analysis/phash';
import { focusScore } from '../../engine/analysis/sharpness';
import { decodeRgba, type Rgba } from '../../engine/analysis/raster';
import { findFaces, type EngineLimits } from '../../engine/engine';
import { BudgetRefusal } from '../../engine/budget';
import { CldError } from '../../errors';

/** Which semantic data an upload, explicit or Admin API call asked for. */
export interface SemanticRequest {
  colors: boolean;
  phash: boolean;
  imageMetadata: boolean;
  /** The deprecated alias of image_metadata: the same data under the key `exif`. */
  exif: boolean;
  faces: boolean;
  qualityAnalysis: boolean;
}

export function parseSemanticRequest(params: Params): SemanticRequest {
  return {
    colors: params.bool('colors', false),
    phash: params.bool('phash', false),
    imageMetadata: params.bool('image_metadata', false),
    exif: params.bool('exif', false),
    faces: params.bool('faces', false),
    qualityAnalysis: params.bool('quality_analysis', false),
  };
}

export const wantsAnalysis = (r: SemanticRequest) => r.colors || r.phash || r.imageMetadata || r.exif || r.faces || r.qualityAnalysis;

/** What is kept in `resources.info` and merged into API answers. */
export interface SemanticData {
  colors?: ColorAnalysis['colors'];
  predominant?: ColorAnalysis['predominant'];
  phash?: string;
  image_metadata?: ImageMetadata;
  /** Detected faces, `[x, y, width, height]` in pixels of the upright original, largest first (absent until detected). */
  faces?: number[][];
  /** Cloudinary's `quality_analysis`: the measured focus, 0 (blurred) to 1 (sharp). */
  quality_analysis?: { focus: number };
}

/**
 * Computes the requested data from the original's bytes. Pixels are decoded
 * only when colours or the hash need them; metadata reads the file itself;
 * faces are found in a copy reduced to the detector's size.
 */
export async function analyse(bytes: Uint8Array, req: SemanticRequest, limits: EngineLimits, isImage: boolean): Promise<SemanticData> {
  const out: SemanticData = {};
  if (!isImage) return out;
  if (req.colors || req.phash || req.qualityAnalysis) {
    const pixels: Rgba = await decodeRgba(bytes, limits.maxDecodePixels);
    if (req.colors) Object.assign(out, analyseColors(pixels));
    if (req.phash) out.phash = phash(pixels);
    if (req.qualityAnalysis) out.quality_analysis = { focus: focusScore(pixels) };
  }
  if (req.imageMetadata || req.exif) out.image_metadata = await readImageMetadata(bytes);
  if (req.faces) out.faces = await facesOrNone(bytes, limits);
  return out;
}

/**
 * The detected faces as `[x, y, w, h]`; an image the detector cannot read
 * (HEIC, a decoder's refusal) has none, as before there was a detector, so
 * `faces=true` never fails an upload. A busy engine is not an answer: it is
 * passed on rather than recorded as "no faces".
 */
async function facesOrNone(bytes: Uint8Array, limits: EngineLimits): Promise<number[][]> {
  try {
    return (await findFaces(bytes, limits)).map((f) => [f.x, f.y, f.width, f.height]);
  } catch (err) {
    if (err instanceof CldError && !(err instanceof BudgetRefusal)) return [];
    throw err;
  }
}

/** Stored data merged with new: what was computed once stays available to the Admin API. */
export function mergeInfo(stored: string | null, fresh: SemanticData): string {
  let before: SemanticData = {};
  try {
    before = stored ? (JSON.parse(stored) as SemanticData) : {};
  } catch {
    before = {};
  }
  return JSON.stringify({ ...before, ...fresh });
}

export function parseInfo(stored: string | null): SemanticData {
  try {
    return stored ? (JSON.parse(stored) as SemanticData) : {};
  } catch {
    return {};
  }
}

/** The answer's fields for what was asked, in Cloudinary's names. */
export function semanticFields(data: SemanticData, req: SemanticRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (req.imageMetadata && data.image_metadata) out.image_metadata = data.image_metadata;
  if (req.exif && data.image_metadata) out.exif = data.image_metadata;
  if (req.colors && data.colors) {
    out.colors = data.colors;
    out.predominant = data.predominant;
  }
  if (req.phash && data.phash) out.phash = data.phash;
  if (req.faces) out.faces = data.faces ?? [];
  if (req.qualityAnalysis && data.quality_analysis) out.quality_analysis = data.quality_analysis;
  return out;
}

/** `coordinates` as stored at upload (`{"faces": [...], "custom": [...]}`), or null when none were given. */
export function coordinatesOf(stored: string | null): Record<string, number[][]> | null {
  if (!stored) return null;
  try {
    const c = JSON.parse(stored) as Record<string, number[][]>;
    return Object.keys(c).length ? c : null;
  } catch {
    return null;
  }
}
