import { CodecSession, type Pixels } from './runtime';
import { chooseShrink, decodeJpeg, shrunkSize, type JpegShrink } from './jpeg/decode';
import { encodeJpeg } from './jpeg/encode';
import { encodeWebp } from './webp/encode';
import { resize, type Region } from './resize';
import { workerdCodecModule } from './workerd-module';

/**
 * What the transformation engine calls: a JPEG source decoded with
 * shrink-on-load and resampled out of WASM memory, the Lanczos-3 resampler
 * for RGBA images, and the JPEG and lossy WebP encoders. Images cross in and
 * out as RGBA (the engine's Raster); only the output-sized results do.
 */
export interface Rgba {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * libjpeg's own working memory for one decode. Baseline files need a few
 * rows; progressive files keep every DCT coefficient of the full-size image
 * (2 bytes per sample, whatever the shrink): the engine charges those to the
 * memory budget from the file's sampling factors and lets libjpeg have them
 * (plus room for its rows); beyond, the decode fails cleanly.
 */
const JPEG_WORKING_BYTES = 40 * 1024 * 1024;
const JPEG_ROW_BYTES = 8 * 1024 * 1024;
export const jpegWorkingBytes = (coefficientBytes: number) => Math.max(JPEG_WORKING_BYTES, coefficientBytes + JPEG_ROW_BYTES);

/**
 * Sessions kept for the next request. A WASM memory never shrinks and a
 * dropped one stays until the garbage collector runs, so sessions are reused
 * rather than made per call, but only small ones: one that grew past
 * RETAIN_BYTES (a large decode) is let go when its request is done, and one
 * that trapped is never reused. The engine takes the module as compiled at
 * build time (it runs synchronously between its awaits).
 */
const idle: CodecSession[] = [];
const RETAIN_BYTES = 16 * 1024 * 1024;
const MAX_IDLE = 2;

const acquire = () => idle.pop() ?? new CodecSession(workerdCodecModule());

function giveBack(s: CodecSession): void {
  if (s.live && s.memoryBytes <= RETAIN_BYTES && idle.length < MAX_IDLE) idle.push(s);
  else s.drop();
}

/** Lets the idle sessions go (when a request needs their memory). */
export function dropIdleSessions(): void {
  for (const s of idle.splice(0)) s.drop();
}

/** WASM memory held by the sessions kept for reuse (a standing charge of the engine's memory budget). */
export const idleCodecBytes = () => idle.reduce((n, s) => n + s.memoryBytes, 0);

/** Pixels a JPEG decode will produce after shrink-on-load. */
export interface JpegPlan {
  shrink: 1 | 2 | 4 | 8;
  width: number;
  height: number;
}

/**
 * The largest 1/2^k shrink whose result still covers what the output needs:
 * `need` is the output size and `region` the part of the (stored) source it
 * comes from; both undefined means the whole image at full size.
 */
export function planJpegDecode(width: number, height: number, need?: { width: number; height: number }, region?: Region): JpegPlan {
  const r = region ?? { x: 0, y: 0, width, height };
  const shrink = need
    ? chooseShrink(width, height, Math.ceil((need.width * width) / r.width), Math.ceil((need.height * height) / r.height))
    : 1;
  return { shrink, ...shrunkSize(width, height, shrink) };
}

/**
 * A source decoded at a reduced size (shrink-on-load), addressed in the
 * source's stored coordinates: what the engine resamples its first component from.
 */
export interface ScaledSource {
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly width: number;
  readonly height: number;
  /** Resamples `region` (stored source coordinates) to width x height. */
  resample(region: Region, width: number, height: number): Rgba;
  /** The whole decoded image (at its reduced size). */
  toRgba(): Rgba;
  /** Whole pixels of the decoded image, copied as they are (the caller checked the region lies inside). */
  crop(region: Region): Rgba;
  free(): void;
}

/** Maps a region of the source onto a decoded image `p` times smaller (at least one pixel, inside the image). */
function scaleRegion(region: Region, p: { width: number; height: number }, sourceWidth: number, sourceHeight: number): Region {
  const kx = p.width / sourceWidth,
    ky = p.height / sourceHeight;
  const x = Math.min(p.width - 1, Math.floor(region.x * kx)),
    y = Math.min(p.height - 1, Math.floor(region.y * ky));
  return {
    x,
    y,
    width: Math.max(1, Math.min(p.width - x, Math.round((region.x + region.width) * kx) - x)),
    height: Math.max(1, Math.min(p.height - y, Math.round((region.y + region.height) * ky) - y)),
  };
}

/** An RGBA image already reduced from its source (a PNG read row by row). */
export class ReducedSource implements ScaledSource {
  constructor(
    private readonly img: Rgba,
    readonly sourceWidth: number,
    readonly sourceHeight: number,
  ) {}

  get width(): number {
    return this.img.width;
  }

  get height(): number {
    return this.img.height;
  }

  resample(region: Region, width: number, height: number): Rgba {
    return resampleRgba(this.img, scaleRegion(region, this.img, this.sourceWidth, this.sourceHeight), width, height);
  }

  toRgba(): Rgba {
    return this.img;
  }

  crop(r: Region): Rgba {
    const { data, width } = this.img;
    const out = new Uint8Array(r.width * r.height * 4);
    for (let y = 0; y < r.height; y++) {
      const from = ((r.y + y) * width + r.x) * 4;
      out.set(data.subarray(from, from + r.width * 4), y * r.width * 4);
    }
    return { data: out, width: r.width, height: r.height };
  }

  free(): void {}
}

/** A decoded JPEG living in its own codec session, addressed in the source's stored coordinates. */
export class JpegSource implements ScaledSource {
  private freed = false;

  private constructor(
    private readonly session: CodecSession,
    private readonly pixels: Pixels,
    /** Stored (un-rotated) size of the source. */
    readonly sourceWidth: number,
    readonly sourceHeight: number,
  ) {}

  /** `coefficientBytes`: a progressive file's whole-image coefficients, already charged by the caller. */
  static decode(input: Uint8Array, width: number, height: number, plan: JpegPlan, maxPixels: number, coefficientBytes = 0): JpegSource {
    const session = acquire();
    try {
      const maxWorkingBytes = jpegWorkingBytes(coefficientBytes);
      const pixels = decodeJpeg(session, input, { shrink: plan.shrink, channels: 3, maxPixels, maxWorkingBytes });
      return new JpegSource(session, pixels, width, height);
    } catch (err) {
      giveBack(session);
      throw err;
    }
  }

  /** Resamples `region` (stored source coordinates) to width x height. */
  resample(region: Region, width: number, height: number): Rgba {
    const p = this.pixels;
    const out = resize(this.session, p, width, height, scaleRegion(region, p, this.sourceWidth, this.sourceHeight));
    try {
      return { data: this.session.toRgba(out), width, height };
    } finally {
      this.session.free(out);
    }
  }

  /** The whole decoded image (at its shrunk size) as RGBA. */
  toRgba(): Rgba {
    return { data: this.session.toRgba(this.pixels), width: this.pixels.width, height: this.pixels.height };
  }

  crop(r: Region): Rgba {
    return { data: this.session.toRgba(this.pixels, r), width: r.width, height: r.height };
  }

  get width(): number {
    return this.pixels.width;
  }

  get height(): number {
    return this.pixels.height;
  }

  /** Idempotent: the session must go back to the pool only once. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.session.free(this.pixels);
    giveBack(this.session);
  }
}

/** Runs `work` in a session from the pool (given back when it returns). */
export function withCodecSession<T>(work: (s: CodecSession) => T): T {
  const session = acquire();
  try {
    return work(session);
  } finally {
    giveBack(session);
  }
}

/** Runs `work` on RGBA pixels copied into a session; `work` frees what it allocates, or consumes the pixels. */
function withPixels<T>(img: Rgba, work: (s: CodecSession, p: Pixels) => T): T {
  const session = acquire();
  try {
    return work(session, session.fromRgba(img.data, img.width, img.height));
  } finally {
    giveBack(session);
  }
}

/** Lanczos-3 resample of `region` of an RGBA image. */
export function resampleRgba(img: Rgba, region: Region, width: number, height: number): Rgba {
  return withPixels(img, (s, p) => {
    try {
      const out = resize(s, p, width, height, region);
      try {
        return { data: s.toRgba(out), width, height };
      } finally {
        s.free(out);
      }
    } finally {
      s.free(p);
    }
  });
}

/** JPEG from opaque RGBA (flatten first: alpha is ignored). */
export function encodeJpegRgba(img: Rgba, quality: number, progressive: boolean): Uint8Array {
  return withPixels(img, (s, p) => {
    try {
      return encodeJpeg(s, p, { quality, progressive });
    } finally {
      s.free(p);
    }
  });
}

/** Lossy WebP (with alpha when the image has any); the encoder frees the pixels itself. */
export function encodeWebpRgba(img: Rgba, quality: number): Uint8Array {
  return withPixels(img, (s, p) => encodeWebp(s, p, quality));
}

export interface TranscodeOptions {
  shrink: JpegShrink;
  target: 'jpg' | 'webp';
  quality: number;
  progressive: boolean;
  /** Optimised Huffman tables: the encoder then keeps every coefficient of the image (2 bytes per sample). */
  optimize: boolean;
  /** EXIF orientation to apply (1-8); other than 1, the frame is decoded whole (3 bytes per pixel) and turned as it is encoded. */
  orientation: number;
  /** A progressive source's whole-image coefficients, already charged by the caller (0 for baseline). */
  coefficientBytes: number;
  /** WebP: code without libwebp's token buffer (../costs.ts webpLowMemory; the caller's charge follows it). */
  lowMemory?: boolean;
}

export interface Transcoded {
  bytes: Uint8Array;
  width: number;
  height: number;
  /** The session's WASM memory high-water mark during the call. */
  peakMemoryBytes: number;
}

/**
 * JPEG to JPEG or lossy WebP in strips of 16 rows inside the codec module:
 * the decoded image never exists whole (WebP holds its YUV 4:2:0 picture, 1.5
 * bytes per pixel, as libwebp encodes from a whole picture).
 */
export function transcodeJpeg(input: Uint8Array, opts: TranscodeOptions): Transcoded {
  const session = acquire();
  try {
    const ptr = session.copyIn(input);
    const quality = Math.max(1, Math.min(100, Math.round(opts.quality)));
    const target = opts.target === 'jpg' ? 0 : opts.lowMemory ? 2 : 1;
    const res = session.call((x) =>
      x.jpeg_transcode(
        ptr,
        input.length,
        opts.shrink,
        target,
        quality,
        opts.progressive ? 1 : 0,
        opts.optimize ? 1 : 0,
        jpegWorkingBytes(opts.coefficientBytes),
        opts.orientation,
      ),
    );
    const [out, len, width, height] = session.results(res, 4);
    session.release(ptr);
    try {
      return { bytes: session.copyOut(out, len), width, height, peakMemoryBytes: session.peakMemoryBytes };
    } finally {
      session.release(out);
    }
  } finally {
    giveBack(session);
  }
}

/**
 * A still WebP decoded by libwebp straight at width x height (its rescaler
 * runs as macroblock rows are decoded, so a lossy file never exists at full
 * size; a lossless one is decoded whole first). Straight-alpha RGBA.
 */
export function decodeWebpScaled(input: Uint8Array, width: number, height: number): Rgba {
  const session = acquire();
  try {
    const ptr = session.copyIn(input);
    const [out, w, h] = session.results(
      session.call((x) => x.webp_decode(ptr, input.length, width, height)),
      3,
    );
    session.release(ptr);
    try {
      return { data: session.copyOut(out, w * h * 4), width: w, height: h };
    } finally {
      session.release(out);
    }
  } finally {
    giveBack(session);
  }
}

/** Whether an RGB ICC profile describes sRGB (then its pixels are decoded as they are and it can be carried over). */
export function iccIsSrgb(icc: Uint8Array): boolean {
  const session = acquire();
  try {
    const ptr = session.copyIn(icc);
    const same = session.call((x) => x.icc_is_srgb(ptr, icc.length));
    session.release(ptr);
    return same === 1;
  } finally {
    giveBack(session);
  }
}

let srgb: Uint8Array | undefined;

/** The smallest sRGB profile Little CMS writes (a few hundred bytes): what JPEG sources converted to sRGB carry, and `cs_tinysrgb`. */
export function srgbProfile(): Uint8Array {
  if (srgb) return srgb;
  const session = acquire();
  try {
    const [ptr, len] = session.results(
      session.call((x) => x.srgb_profile()),
      2,
    );
    srgb = session.copyOut(ptr, len);
    session.release(ptr);
    return srgb;
  } finally {
    giveBack(session);
  }
}
