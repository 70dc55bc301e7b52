import { badRequest } from '../errors';
import type { RequestBudget } from './budget';
import {
  DECODE_COSTS,
  effectCost,
  ENCODE_COSTS,
  HEIF_MODULE_BYTES,
  HEVC_DECODE_OPS,
  JPEG_ENTROPY_OPS,
  JPEG_ROWS_FIXED_BYTES,
  PNG_ROW_OPS,
  RASTER_BYTES,
  STREAM_FIXED_BYTES,
  STREAM_OUTPUT_BYTES,
  webpEncodeBytes,
  webpOutputRoom,
  WEBP_DECODE_OPS,
  WEBP_ROWS_DECODE_ROW_BYTES,
} from './costs';
import { CodecError } from './codecs/runtime';
import { jpegWorkingBytes } from './codecs/pipeline';
import { pngEncodeBytes } from './codecs/png-encode';
import { pngDecodeBytes, pngHeader } from './codecs/png-rows';
import { STRIP_ROWS, gatherRows, type Measured, type Strips } from './codecs/strips';
import { stillLossyWebp } from './codecs/webp/still-lossy';
import { readHeif, type HeifImage } from './heif-container';
import { heifPictureCost } from './heif-cost';
import { convertToSrgb } from './source-profile';
import type { Resolved } from './negotiate';
import type { Raster } from './raster';
import type { StripPlan } from './stream-plan';
import type { Color } from './types';

/**
 * Runs a strip plan (./stream-plan.ts `planStrips`): source, point effects
 * and encoder take turns on one strip at a time. Everything is charged to
 * the request before it is allocated (the source's and the encoder's working
 * sets when they open, the PNG file as it grows), work is spent per strip.
 */

/** Room for a PNG file beyond zlib's bound of the raw rows (headers, and the pieces deflate hands over in flight). */
const PNG_FILE_SLACK = 1024 * 1024;
/** The codec module's initial linear memory, where the PNG encoder's instance starts (scripts/build-wasm.sh `--initial-memory`). */
const PNG_MODULE_BYTES = 2 * 1024 * 1024;

interface StripBytes {
  /** The decoder: the file in the module, its working memory, its strip and the strip's JS copy. */
  source: number;
  /** A new strip per point effect. */
  steps: number;
  /** The encoder: its module, its strip, the picture (WebP) and its output; for PNG, the file written once. */
  sink: number;
  rowsPerStrip: number;
}

const heifOf = (input: Uint8Array): HeifImage => {
  const heif = readHeif(input);
  if (!heif) throw badRequest('Invalid image file: the HEIC container could not be read');
  return heif;
};

function stripBytes(input: Uint8Array, s: StripPlan, resolved: Resolved, coefficients: number): StripBytes {
  const { width, height } = s;
  const pixels = width * height;
  const rowsPerStrip = STRIP_ROWS;
  let source: number;
  if (s.source === 'jpg') {
    // The file in the module, libjpeg's rows (an iMCU of 16 rows at up to 3 samples, and its output buffer), the strip in WASM and in JS.
    source = input.length + STREAM_FIXED_BYTES + coefficients + width * 3 * 2 * STRIP_ROWS + 2 * width * STRIP_ROWS * RASTER_BYTES;
  } else if (s.source === 'png') {
    // The codec module's row reader (its instance, zlib, two raw rows and an RGBA row), and the strip in JS.
    const header = pngHeader(input);
    if (!header) throw badRequest('Invalid image file: the PNG data could not be decoded');
    source = pngDecodeBytes(header, 1) + width * STRIP_ROWS * RASTER_BYTES;
  } else if (s.source === 'webp') {
    // The file in the module, libwebp's per-row state and a macroblock row of RGBA (per column), the strip in WASM
    // and in JS. An ALPH chunk: libwebp's alpha plane, and a palette-coded alpha's 8-bit indices (VP8L's 8b mode
    // decodes the whole plane), 2 bytes per pixel, whatever the output (a JPEG's background is flattened with it).
    source =
      input.length +
      STREAM_FIXED_BYTES +
      width * WEBP_ROWS_DECODE_ROW_BYTES +
      (stillLossyWebp(input)?.alpha ? 2 * pixels : 0) +
      2 * width * STRIP_ROWS * RASTER_BYTES;
  } else {
    const heif = heifOf(input);
    // The module converts a row of tiles (or 16 rows of one picture) at a time; JS takes it 16 rows at a time.
    const moduleRows = heif.columns === 1 ? STRIP_ROWS : heif.tileHeight;
    source = heifPictureCost(heif, { width, height }).bytes + width * (moduleRows + STRIP_ROWS) * RASTER_BYTES + HEIF_MODULE_BYTES;
  }
  const strip = width * rowsPerStrip * RASTER_BYTES;
  const steps = s.steps.length * strip;
  const outputScale = resolved.quality >= 90 ? 2 : 1;
  let sink: number;
  if (s.sink === 'jpg') sink = JPEG_ROWS_FIXED_BYTES + width * STRIP_ROWS * RASTER_BYTES + pixels * STREAM_OUTPUT_BYTES.jpg * outputScale;
  else if (s.sink === 'webp')
    // libwebp in its module (./costs.ts webpEncodeBytes), the strip copied in, the output's JS copy.
    sink = STREAM_FIXED_BYTES + webpEncodeBytes(pixels, resolved.quality, s.alpha) + strip + pixels * webpOutputRoom(resolved.quality);
  else {
    // Charged by the encoder itself as it allocates (its module's working set, then the file for zlib's bound of the raw rows).
    const stride = width * (s.alpha ? 4 : 3);
    const raw = height * (stride + 1);
    sink = PNG_MODULE_BYTES + pngEncodeBytes(width, s.alpha ? 4 : 3) + raw + (raw >>> 12) + (raw >>> 14) + PNG_FILE_SLACK;
  }
  return { source, steps, sink, rowsPerStrip };
}

const describe = (s: StripPlan) =>
  `${s.steps.length ? s.steps.map((x) => x.key).join(',') + ' on ' : ''}${s.width}x${s.height} ${s.source.toUpperCase()} to ${s.sink.toUpperCase()} in strips`;

/** What the request is admitted with: the peak, the input in JS included. */
export function stripCost(input: Uint8Array, s: StripPlan, resolved: Resolved, coefficients: number): { bytes: number; what: string } {
  const b = stripBytes(input, s, resolved, coefficients);
  return { bytes: input.length + b.source + b.steps + b.sink, what: describe(s) };
}

/** Decoding work per pixel, by source. */
const DECODE_OPS: Record<StripPlan['source'], number> = {
  jpg: DECODE_COSTS.jpeg.ops + JPEG_ENTROPY_OPS,
  png: PNG_ROW_OPS,
  heic: HEVC_DECODE_OPS,
  webp: WEBP_DECODE_OPS,
};

export interface StripRun {
  input: Uint8Array;
  plan: StripPlan;
  resolved: Resolved;
  /** A progressive JPEG's coefficients (0 otherwise). */
  coefficients: number;
  background: Color;
  /** A PNG output's iCCP chunk, written in place. */
  pngIcc?: Uint8Array;
  /** The source's embedded profile when its pixels need converting to sRGB (../source-profile.ts; charged by the caller). */
  sourceIcc?: Uint8Array;
  budget: RequestBudget;
}

export interface StripResult {
  bytes: Uint8Array;
  /** The codec modules' memory high-water marks, source and encoder together (they are alive at once). */
  wasmBytes: number;
}

export async function runStrips(r: StripRun): Promise<StripResult> {
  const { input, plan: s, resolved, budget } = r;
  const what = describe(s);
  const b = stripBytes(input, s, resolved, r.coefficients);
  const decoded: Measured = { wasmBytes: 0 };
  const encoded: Measured = { wasmBytes: 0 };
  budget.memory.charge(b.source + b.steps, what);
  const source = await openSource(r, decoded);
  const mapped = mapStrips(source, r, b.rowsPerStrip, what);
  try {
    const bytes = await encode(mapped, r, b, encoded, what);
    return { bytes, wasmBytes: decoded.wasmBytes + encoded.wasmBytes };
  } catch (err) {
    // The source's codec failed on its data (the encoders only see pixels): the input's fault, a 400.
    if (err instanceof CodecError) throw badRequest(`Invalid image file: the ${s.source.toUpperCase()} data could not be decoded`);
    throw err;
  }
}

async function openSource(r: StripRun, measured: Measured): Promise<Strips> {
  const { input, plan: s } = r;
  if (s.source === 'jpg') {
    const { jpegStrips } = await import('./codecs/jpeg-strips');
    return jpegStrips(input, s.width, s.height, jpegWorkingBytes(r.coefficients), measured);
  }
  if (s.source === 'png') {
    const { pngRows } = await import('./codecs/png-rows');
    return gatherRows(pngRows(input, measured), s.width);
  }
  if (s.source === 'webp') {
    const { webpStrips } = await import('./codecs/webp-strips');
    return webpStrips(input, s.width, s.height, measured);
  }
  const { heifStrips } = await import('./codecs/heif');
  return heifStrips(input, heifOf(input), measured);
}

/** Each strip: its decoding spent, then every point effect applied (the same function as on a whole raster), its encoding spent. */
async function* mapStrips(source: Strips, r: StripRun, rowsPerStrip: number, what: string): Strips {
  const { plan: s, budget } = r;
  const encodeOps = ENCODE_COSTS[s.sink].ops;
  for await (const strip of source) {
    const pixels = strip.width * strip.height;
    budget.work.spend(pixels, DECODE_OPS[s.source], what);
    let img: Raster = strip;
    if (r.sourceIcc) convertToSrgb(img, r.sourceIcc, budget);
    for (const step of s.steps) {
      budget.work.spend(pixels, effectCost(step.key, step.value, s.width, s.height).ops, what);
      img = step.effect.apply(img, step.value as never, step.params);
    }
    budget.work.spend(pixels, encodeOps, what);
    if (strip.height > rowsPerStrip) throw new Error(`strip of ${strip.height} rows, ${rowsPerStrip} charged`);
    yield img;
  }
}

async function encode(strips: Strips, r: StripRun, b: StripBytes, measured: Measured, what: string): Promise<Uint8Array> {
  const { plan: s, resolved, budget } = r;
  if (s.sink === 'png') {
    const { encodePngStrips } = await import('./codecs/png-encode');
    return encodePngStrips(strips, s.width, s.height, s.alpha ? 4 : 3, (n) => budget.memory.charge(n, what), true, r.pngIcc);
  }
  budget.memory.charge(b.sink, what);
  if (s.sink === 'webp') {
    const { encodeWebpStrips } = await import('./codecs/webp/strips');
    return encodeWebpStrips(strips, s.width, s.height, resolved.quality, s.alpha, measured);
  }
  const { encodeJpegStrips } = await import('./codecs/jpeg-rows');
  const out = await encodeJpegStrips(strips, s.width, s.height, resolved.quality, r.background);
  measured.wasmBytes = out.peakMemoryBytes;
  return out.bytes;
}
