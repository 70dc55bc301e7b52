import { blurReduction, blurSigma } from './pixels/filter';
import { oilRadius } from './pixels/artistic';
import { outlineMargin, shadowCanvas, type OutlineMode } from './pixels/silhouette';
import { arcGeometry, distortBox, MAX_GROWTH, shearBox } from './pixels/warp';
import type { Effect, OutputFormat } from './types';
import { AVIF_TILE_MAX_PIXELS } from './codecs/avif-grid';

/**
 * What each step of the engine costs per pixel, charged to the request's
 * budgets (./budget.ts) before the step runs.
 *
 * bytes: the step's peak allocation per pixel (WASM memory and JS buffers
 * together). ops: its work per pixel, in units of about a nanosecond of this
 * project's benchmark machine (one thread), measured with bench/transform.mjs:
 * e.g. a WebP encode 100 (1600x900) to 400 (24 MP) ns per pixel, a
 * 3200x1800 AVIF encode at speed 8 ~190 ns per pixel, a full-size
 * libjpeg-turbo decode ~40 ns.
 */
export interface StepCost {
  bytes: number;
  ops: number;
}

/** Decoders, per pixel they produce (for JPEG: after shrink-on-load). */
export const DECODE_COSTS = {
  /** libjpeg-turbo: 3 bytes per decoded pixel in WASM; the entropy decoding of the whole file is charged per source pixel below. */
  jpeg: { bytes: 3, ops: 40 },
  /** photon (Rust `image`): the decoded buffer, its RGBA copy and the crate's own working set (measured: ~14.5 bytes per pixel). */
  photon: { bytes: 14.5, ops: 30 },
  /** libavif + dav1d: YUV planes, the RGBA result, and its JS copy. */
  avif: { bytes: 12, ops: 60 },
  /** resvg: the pixmap and its JS copy; filters are charged on top (see ./codecs/svg-guard.ts). */
  svg: { bytes: 8, ops: 20 },
  /** PNG read row by row: the reduced image (RGBA); the rows themselves are charged per source pixel below. */
  pngRows: { bytes: 4, ops: 2 },
  /** HEIC read a row of tiles at a time: the reduced image (RGBA); the tiles and the strip are charged below. */
  heicRows: { bytes: 4, ops: 2 },
  /** libwebp scaled while decoding: the scaled RGBA in WASM and its JS copy. */
  webpScaled: { bytes: 8, ops: 4 },
  /** Our GIF frame decoder: the screen as RGBA, a saved copy for "restore to previous", and the frame's indices. */
  gifFrame: { bytes: 9, ops: 15 },
} satisfies Record<string, StepCost>;

/** libwebp per source pixel: decoding (and rescaling) the whole file. */
export const WEBP_DECODE_OPS = 20;
/** Full-size buffers libwebp keeps: a lossy file's alpha plane (when it has one), a lossless file's whole ARGB image. */
export const WEBP_LOSSY_FULL_BYTES = 1;
export const WEBP_LOSSLESS_FULL_BYTES = 4;

/**
 * Little CMS converting one decoded PNG or WebP pixel from its embedded profile to sRGB
 * (./codecs/icc-rows.ts; bench/icc.mjs, 4 MP in the module): a matrix-shaper profile (Adobe RGB,
 * Display P3) 33-62 ns a pixel depending on load, an RGB table (LUT) profile 56, as lcms
 * optimises an 8-bit RGB transform into one 3-D table whatever the profile's stages; charged
 * at about twice that (CMYK through the 4-D link, JPEG only, is 450-550).
 */
export const ICC_CONVERT_OPS = { matrixShaper: 60, tables: 120 } as const;
/** The module's share of a conversion: one strip of RGBA (1 MB), the transform (a table profile's grid) and lcms's working set. */
export const ICC_CONVERT_BYTES = 2 * 1024 * 1024;
/** A photon-decoded source converted: its RGBA copy out of photon and the copy put back, per pixel. */
export const ICC_PHOTON_BYTES = 8;

/** Inflating, unfiltering, converting and box-reducing one PNG source pixel in the codec module (measured 3-5 ns). */
export const PNG_ROW_OPS = 10;
/** PNGs above this many pixels are read row by row; smaller ones go to photon whole (faster, and 14.5 bytes per pixel stay small). */
export const ROW_DECODE_ABOVE_PIXELS = 1_200_000;

/**
 * libde265 per coded pixel of one tile (or of a whole non-grid image): the
 * YUV picture and the decoder's per-block metadata (measured: 1600x1072 in
 * 5.9 MB of module memory beside its 2 MB start).
 */
export const HEVC_PICTURE_BYTES = 4;
/** The HEIC module's own memory (stack and start-up heap) whatever the image. */
export const HEIF_MODULE_BYTES = 2 * 1024 * 1024;
/** A quarter-turned HEIC at full size as JPEG: rows gathered at a time from its RGB frame (longer runs down its columns per stored row read). */
export const HEIF_TURNED_ROWS = 128;
/** Decoding (libde265), converting to RGBA and box-reducing one HEIC pixel. */
export const HEVC_DECODE_OPS = 120;

/** libjpeg-turbo reads every coefficient of the file whatever the shrink: work per source pixel. */
export const JPEG_ENTROPY_OPS = 4;

/**
 * A progressive JPEG keeps every DCT coefficient of the full-size image
 * (2 bytes per sample) until the last scan; samples per pixel are 1.5 for
 * 4:2:0, up to 3 (4:4:4) or 4 (CMYK): charge the worst of the common cases.
 */
export const PROGRESSIVE_COEFFICIENT_BYTES = 2 * 3;

/** The Lanczos-3 resampler, per source pixel read (its output is charged as a raster). */
export const RESAMPLE_OPS = 20;

/** A working image in JS: RGBA. */
export const RASTER_BYTES = 4;

/** Encoders, per output pixel: the RGBA copy into the encoder, its working set and the output. */
export const ENCODE_COSTS: Record<OutputFormat, StepCost> = {
  jpg: { bytes: 5, ops: 40 },
  /** libwebp encodes from a whole YUV picture (1.5 bytes per pixel) plus its analysis buffers; 100-400 ns per pixel measured (more for larger pictures). */
  webp: { bytes: 8, ops: 200 },
  /**
   * Rows filtered into zlib (./codecs/png-encode.ts): the encoder charges its
   * rows and its output as it grows, so nothing per pixel up front; 60 ns per
   * pixel measured (the filter choice in JS; zlib at level 6).
   */
  png: { bytes: 0, ops: 60 },
  /**
   * libavif + aom at speed 8 on the whole image: 28 bytes per pixel (plus
   * ENCODE_FIXED_BYTES) of WASM memory, measured at 400x300 and 1600x900
   * (53.5 MB) and 2500x1400 (108 MB). Lossy opaque images larger than a tile
   * are written as a grid instead (AVIF_GRID_COST); this is the charge of
   * lossless and transparent ones.
   */
  avif: { bytes: 28, ops: 220 },
  /** Palette quantisation and LZW. */
  gif: { bytes: 6, ops: 100 },
  /** e_vectorize's regions again (reduction, palette, despeckle labels) and the traced edges (a few map entries per boundary pixel). */
  svg: { bytes: 24, ops: 250 },
};

/**
 * What every frame of an animation costs whatever its size (./animation/):
 * the palette's 32768-entry histogram and lookup, the encoder's tables, a
 * call into the codec module; and the bytes a frame takes in the file at
 * the least (a GIF frame's 768-byte local palette and its headers). A GIF
 * of 100,000 frames of 1x1 pixel is refused by these, not by its pixels.
 */
export const ANIMATION_FRAME_OPS = 100_000;
export const ANIMATION_FRAME_BYTES = 1024;

/** Three box blurs, horizontal and vertical, on a working copy: per pixel it runs on. */
const BLUR: StepCost = { bytes: 2 * RASTER_BYTES, ops: 60 };
/** Reducing and enlarging again, per pixel of the image. */
const BLUR_RESAMPLE: StepCost = { bytes: RASTER_BYTES, ops: 12 };

/** A blur of `level` (e_blur's 1-2000): wide ones run on a copy reduced by blurReduction, so they cost less, not more. */
function blurCost(level: number): StepCost {
  const k = blurReduction(blurSigma(level));
  if (k === 1) return BLUR;
  return { bytes: BLUR_RESAMPLE.bytes + BLUR.bytes / (k * k), ops: BLUR_RESAMPLE.ops + BLUR.ops / (k * k) };
}

/**
 * A pixel effect's cost per pixel of the image it runs on (`width` x `height`).
 * Effects that grow the canvas (shadow, outline, warps) are charged for the
 * pixels they produce, scaled back to a per-input-pixel figure.
 */
export function effectCost(key: string, value: unknown, width: number, height: number): StepCost {
  if (key !== 'e') return EFFECT_COSTS[key] ?? EFFECT_COSTS.default;
  const e = value as Effect;
  if (e.name === 'blur' || e.name === 'blur_region') return blurCost(e.level ?? 100);
  // At most the whole image is a face: a blur of all of it, plus the copy the faces are written into.
  if (e.name === 'blur_faces') {
    const blur = blurCost(e.level ?? 500);
    return { bytes: blur.bytes + RASTER_BYTES, ops: blur.ops };
  }
  if (e.name === 'oil_paint') {
    const side = 2 * oilRadius(e.level ?? 30) + 1;
    return { bytes: RASTER_BYTES + 2, ops: side * side * 6 };
  }
  const base = EFFECT_COSTS[e.name] ?? EFFECT_COSTS.default;
  const growth = Math.min(MAX_GROWTH, effectGrowth(e, width, height));
  return { bytes: base.bytes * growth, ops: base.ops * growth };
}

/** Output pixels per input pixel of the effects that change the canvas. */
function effectGrowth(e: Effect, w: number, h: number): number {
  const area = Math.max(1, w * h);
  const v = e.values ?? [];
  switch (e.name) {
    case 'shadow': {
      const c = shadowCanvas(w, h, e.level ?? 40, 0, 0);
      // The offset is read from x_/y_ at run time and bounded by the image's size: charge the worst case.
      return ((c.width + w) * (c.height + h)) / area;
    }
    case 'outline': {
      const m = outlineMargin(e.mode as OutlineMode | undefined, e.level ?? 5, v[0] ?? 0);
      return ((w + 2 * m) * (h + 2 * m)) / area;
    }
    case 'shear': {
      const b = shearBox(w, h, v[0] ?? 0, v[1] ?? 0);
      return (b.width * b.height) / area;
    }
    case 'distort': {
      const b = e.mode === 'arc' ? arcGeometry(w, h, v[0] ?? 90).box : distortBox(v);
      return (b.width * b.height) / area;
    }
    default:
      return 1;
  }
}

/** What an encoder's module takes whatever the size (the AVIF encoder's Emscripten heap: about 16 MB at 400x300). */
/**
 * JPEG written from the JS raster in strips (./encode.ts `jpegInStrips`): the
 * output growing in WASM (libjpeg doubles its buffer, so up to three times the
 * output while it copies) and its JS copy; photos below quality 90 come to
 * 0.1-0.4 bytes per pixel, so 1.5 covers the copies with room.
 */
export const JPEG_ROWS_COST: StepCost = { bytes: 1.5, ops: 40 };
/** The row encoder's module beside its output: its initial 2 MB of memory, libjpeg's state and the strips. */
export const JPEG_ROWS_FIXED_BYTES = 4 * 1024 * 1024;
export const ENCODE_FIXED_BYTES: Partial<Record<OutputFormat, number>> = { avif: 16 * 1024 * 1024 };

/**
 * AVIF as a grid of tiles of at most AVIF_TILE_MAX_PIXELS (./codecs/avif-grid.ts):
 * the module's heap stays at its initial 16 MB whatever the image (measured
 * for every tile shape up to 512x512), beside it the tile's RGBA copy in JS;
 * per pixel, the tiles' coded bytes copied out of WASM and the file they are
 * joined into (lossy 4:2:0 codes at most about 1.5 bytes per pixel, photos
 * at quality 60 about 0.04). Its tiles at speed 10 take 150-160 ns of CPU per
 * pixel (1600x900: 212 ms, 2500x1400: 555 ms; bench/avif-memory.mjs).
 */
const AVIF_GRID_COST: StepCost = { bytes: 2 * 1.5, ops: 160 };
const AVIF_GRID_FIXED_BYTES = 16 * 1024 * 1024 + AVIF_TILE_MAX_PIXELS * RASTER_BYTES;

/**
 * Lossless AVIF (4:4:4, quality 100, encoded whole): measured 23.1 MB of WASM
 * memory at 512x512, 27.8 MB at 800x450, 47.2 MB at 1200x675 (about 45
 * bytes per pixel beyond 12 MB), and the output (about 1.2 bytes per pixel
 * for photos) copied out; 3-5 s for 0.3-0.8 MP on the shared machine.
 */
const AVIF_LOSSLESS_COST: StepCost = { bytes: 48, ops: 2000 };

/** An AVIF encode's charge: a grid for lossy output (an image that turns out transparent or too thin is charged the rest by the encoder), whole for lossless. */
export const avifEncodeCost = (lossless: boolean): { cost: StepCost; fixed: number } =>
  lossless ? { cost: AVIF_LOSSLESS_COST, fixed: ENCODE_FIXED_BYTES.avif ?? 0 } : { cost: AVIF_GRID_COST, fixed: AVIF_GRID_FIXED_BYTES };

/** What an AVIF encoded whole needs beyond the grid's charge: what the encoder charges when it cannot write a grid. */
export const avifWholeExtraBytes = (pixels: number): number =>
  Math.max(0, pixels * (ENCODE_COSTS.avif.bytes - AVIF_GRID_COST.bytes) + (ENCODE_FIXED_BYTES.avif ?? 0) - AVIF_GRID_FIXED_BYTES);
/** The same for the AVIF decoder (libavif + dav1d). */
export const AVIF_DECODER_FIXED_BYTES = 16 * 1024 * 1024;

/** Pixel effects, per pixel of the image they run on: one new raster each unless listed. */
const EFFECT_COSTS: Record<string, StepCost> = {
  default: { bytes: RASTER_BYTES, ops: 10 },
  /** A blur plus the mask. */
  sharpen: { bytes: 3 * RASTER_BYTES, ops: 70 },
  unsharp_mask: { bytes: 3 * RASTER_BYTES, ops: 70 },
  /** Blurred layer, its copy and the canvas. */
  shadow: { bytes: 3 * RASTER_BYTES, ops: 90 },
  /** Two distance transforms (8 bytes a pixel each), masks, the padded base, two layers, their blurs and the result. */
  outline: { bytes: 6 * RASTER_BYTES + 24, ops: 120 },
  /** Histograms then a lookup table, blended. */
  auto_brightness: { bytes: 2 * RASTER_BYTES, ops: 20 },
  auto_contrast: { bytes: 2 * RASTER_BYTES, ops: 20 },
  auto_color: { bytes: 2 * RASTER_BYTES, ops: 25 },
  improve: { bytes: 3 * RASTER_BYTES, ops: 60 },
  fill_light: { bytes: 2 * RASTER_BYTES, ops: 35 },
  make_transparent: { bytes: RASTER_BYTES + 9, ops: 20 },
  replace_color: { bytes: RASTER_BYTES, ops: 40 },
  /** A PRNG draw per channel. */
  noise: { bytes: RASTER_BYTES, ops: 40 },
  pixelate_region: { bytes: 2 * RASTER_BYTES, ops: 15 },
  /** Reduction, median cut, nearest palette colour (up to 30 distances), despeckle labels, enlargement. */
  vectorize: { bytes: 2 * RASTER_BYTES + 12, ops: 200 },
  /** Blur, Sobel (9 reads) and posterising. */
  cartoonify: { bytes: 3 * RASTER_BYTES + 8, ops: 120 },
  art: { bytes: RASTER_BYTES, ops: 40 },
  /** Inverse mapping and a bilinear sample per output pixel. */
  shear: { bytes: RASTER_BYTES, ops: 40 },
  distort: { bytes: RASTER_BYTES, ops: 70 },
};

/**
 * The lossy WebP row decoder (codecs/webp-strips.ts), per column of the
 * image: a macroblock row of RGBA it holds for the strips (32 rows of 4
 * bytes), libwebp's row caches (Y and chroma for 16 rows plus the loop
 * filter's 8) and per-macroblock state. Measured: the module's high-water
 * mark for a 4096x4096 file (400 kB) was 2.9 MB, its initial memory included.
 */
export const WEBP_ROWS_DECODE_ROW_BYTES = 32 * 4 + 64;

/**
 * libwebp's lossy encoder as the strip sink (wasm/shim/webp_rows_encode.c)
 * and the JPEG transcode (wasm/shim/transcode.c) run it: method 4 with
 * `low_memory` (no token buffer, which took 1 byte per pixel at quality 90
 * and 5 at 100). Measured in the module by bench/webp-memory.mjs, 2-24 MP at
 * quality 50-100 (docs/engine.md "WebP output memory"): the YUV 4:2:0
 * picture, 1.5 bytes per pixel and 1 more for an alpha plane; 0.29-0.30
 * bytes per pixel of per-macroblock state and partition 0 beyond it at
 * quality 50 (almost no output); and the coded data, about 2.5 times the
 * output (the partitions growing by doubling, then the file they are written into).
 */
const WEBP_PICTURE_BYTES = 1.5;
const WEBP_ALPHA_PLANE_BYTES = 1;
const WEBP_ENCODER_BYTES = 0.35;
const WEBP_CODED_COPIES = 3;
/**
 * An alpha plane with transparent pixels is coded losslessly (VP8L) before
 * the lossy pass, beside the picture: an ARGB copy, its transform buffer, the
 * hash chain, backward references and histograms. Measured 23.3 bytes per
 * pixel in all at 12 and 24 MP (the picture's 2.5 included), 28 at 2 MP: 21.8
 * per pixel and 10 MB. libwebp skips it when every alpha is 255.
 */
const WEBP_ALPHA_CODING_BYTES = 22;
const WEBP_ALPHA_CODING_FIXED_BYTES = 12 * 1024 * 1024;
/**
 * Room for the encoded output per pixel, by quality: photos measured
 * 0.013-0.04 below 90, 0.072-0.087 at 90, 0.21-0.28 at 100 (2-3 times that).
 */
export const webpOutputRoom = (quality: number) => (quality >= 100 ? 0.5 : quality >= 90 ? 0.2 : 0.08);

/**
 * libwebp's token buffer, kept unless `low_memory` is set: measured (bench/webp-memory.mjs) about
 * 0.3 bytes per pixel at quality 50-80, 1 at 90 and 5 at 100 on photos, but more on detailed
 * pictures (orientation-6.jpg at q80 took 4 MB more than 0.4 bytes per pixel allowed), so it is
 * charged at the most seen, 6 bytes per pixel, whatever the quality.
 */
const webpTokenBytes = (pixels: number) => pixels * 6;
/**
 * Tokens beyond this are not kept: libwebp codes the picture twice instead (about 1.7x the CPU),
 * as memory is what an isolate cannot spare. So pictures up to about 1.4 MP are coded once.
 */
const WEBP_TOKEN_LIMIT_BYTES = 8 * 1024 * 1024;
/** Whether libwebp runs without its token buffer for this picture (wasm/shim/transcode.c, webp_rows_encode.c). */
export const webpLowMemory = (pixels: number) => webpTokenBytes(pixels) > WEBP_TOKEN_LIMIT_BYTES;

/**
 * What a transparent picture adds to the whole-frame WebP encoder's charge (ENCODE_COSTS.webp, at
 * admission, when nobody knows yet whether the result will have transparent pixels): libwebp's
 * lossless coding of the alpha plane, charged by the encoder once it has seen the pixels.
 */
export const webpAlphaExtraBytes = (pixels: number) =>
  Math.max(0, pixels * WEBP_ALPHA_CODING_BYTES + WEBP_ALPHA_CODING_FIXED_BYTES - pixels * ENCODE_COSTS.webp.bytes);

/** libwebp's memory in the codec module for a lossy picture of `pixels` (its output in the module included, its JS copy not). */
export function webpEncodeBytes(pixels: number, quality: number, alpha: boolean): number {
  const picture = pixels * (WEBP_PICTURE_BYTES + (alpha ? WEBP_ALPHA_PLANE_BYTES : 0));
  const tokens = webpLowMemory(pixels) ? 0 : webpTokenBytes(pixels);
  const lossy = pixels * (WEBP_ENCODER_BYTES + WEBP_CODED_COPIES * webpOutputRoom(quality)) + tokens;
  const alphaCoding = alpha ? pixels * WEBP_ALPHA_CODING_BYTES + WEBP_ALPHA_CODING_FIXED_BYTES : 0;
  return picture + Math.max(lossy, alphaCoding);
}

/**
 * Room for a JPEG's encoded output per pixel, in WASM and in its JS copy
 * (twice that from quality 90 up); photos take well under it (0.03-0.15 measured).
 */
export const STREAM_OUTPUT_BYTES = { jpg: 2 * 0.5 };
/**
 * A JPEG encoder with optimised Huffman tables or progressive scans keeps
 * every coefficient: 2 bytes per sample, 1.5 samples per pixel at 4:2:0
 * (below quality 90), 3 at 4:4:4. Beyond this many bytes a strip-wise
 * baseline JPEG is written with the standard tables instead (a few percent
 * larger) so that memory stays with the strip, not the image.
 */
export const JPEG_COEFFICIENT_BYTES = (quality: number) => (quality >= 90 ? 6 : 3);
export const MAX_OPTIMIZE_BYTES = 16 * 1024 * 1024;
/** The codec instance itself: its initial memory and stack. */
export const STREAM_FIXED_BYTES = 4 * 1024 * 1024;

/**
 * A PDF of JPEG pages (./pdf/writer.ts): each page's JPEG is kept until the
 * file is assembled, beside its dictionaries and its cross-reference entry;
 * the file is one copy of them all. Work is copying bytes, plus a page's
 * header reading and dictionaries.
 */
export const PDF_PAGE_OVERHEAD_BYTES = 1024;
export const PDF_BYTE_OPS = 1;
export const PDF_PAGE_OPS = 10_000;
