import type { Env } from './env';

/**
 * Every size limit in one place. Each default has its reason; deployments may
 * lower or raise them through the variables of the same name.
 */
export interface Limits {
  /** The largest upload body: beyond it the Upload API answers 400 "File size too large". */
  maxUploadBytes: number;
  /**
   * The largest file assembled from chunks (upload_large): each request stays
   * under maxUploadBytes and the Workers body limit, the whole goes to R2 part by part.
   */
  maxChunkedUploadBytes: number;
  /** The largest image stored, read from the file header before any decoding. */
  maxImagePixels: number;
  /**
   * What the engine decodes for one request. A Worker isolate has 128 MB shared
   * by concurrent requests; photon's decoder needs about 14.5 bytes per pixel,
   * so 7 MP (~100 MB) is the most one request may ask for.
   */
  maxDecodePixels: number;
  /**
   * The same for JPEG sources, counted after shrink-on-load (a 24 MP photo
   * made into a 1600 px wide image decodes at 1/4: 1.5 MP). Our decoder holds
   * 3 bytes per pixel in WASM; the worst case, an output as large as the
   * decode, adds its RGBA copy in JS and the encoder's copy (about 8.5 bytes
   * per pixel in all), so 12 MP stays in the same ~100 MB envelope as the
   * 7 MP photon budget above.
   */
  maxJpegDecodePixels: number;
  /** The largest image the engine will produce (RGBA at 4 bytes per pixel, plus encoder buffers). */
  maxOutputPixels: number;
  /** How long a fetched remote original is kept before it is checked again. */
  fetchTtlSeconds: number;
  /**
   * The largest remote file fetched for delivery or auto-upload. The bytes are
   * held in memory while checked and stored, and an isolate has 128 MB shared
   * by concurrent requests, so this is well below the upload limit.
   */
  maxFetchBytes: number;
  /** How long one remote fetch may take, redirects and body included, before it is abandoned. */
  fetchTimeoutMs: number;
  /** Cache lifetime of unversioned delivery URLs (they may change on overwrite). */
  unversionedMaxAge: number;
  /**
   * New derived images made per minute for unsigned requests, per client
   * address and per cloud (0: no limit). Every new unsigned URL costs a decode,
   * an encode and an R2 write; the defaults leave a page that asks for a
   * hundred new thumbnails at once, several times a minute, well inside.
   */
  derivationsPerMinutePerClient: number;
  derivationsPerMinutePerCloud: number;
  /**
   * Derived images kept per asset (made by delivery; eager ones are not
   * counted); beyond it the least recently used are removed (0: no cap). Bounds
   * what anonymous URLs can make the worker store; responsive sites use tens.
   */
  maxDerivedPerAsset: number;
}

const num = (v: string | undefined, fallback: number) => {
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

/** Like `num`, but 0 is a value of its own (it turns the limit off). */
const numOrOff = (v: string | undefined, fallback: number) => {
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : fallback;
};

export function limitsFrom(env: Env): Limits {
  return {
    maxUploadBytes: num(env.MAX_UPLOAD_BYTES, 100 * 1024 * 1024),
    maxChunkedUploadBytes: num(env.MAX_CHUNKED_UPLOAD_BYTES, 2 * 1024 * 1024 * 1024),
    maxImagePixels: num(env.MAX_IMAGE_PIXELS, 100_000_000),
    maxDecodePixels: num(env.MAX_DECODE_PIXELS, 7_000_000),
    maxJpegDecodePixels: num(env.MAX_JPEG_DECODE_PIXELS, 12_000_000),
    maxOutputPixels: num(env.MAX_OUTPUT_PIXELS, 25_000_000),
    fetchTtlSeconds: num(env.FETCH_TTL_SECONDS, 86_400),
    maxFetchBytes: num(env.MAX_FETCH_BYTES, 20 * 1024 * 1024),
    fetchTimeoutMs: num(env.FETCH_TIMEOUT_MS, 15_000),
    unversionedMaxAge: num(env.UNVERSIONED_MAX_AGE, 3_600),
    derivationsPerMinutePerClient: numOrOff(env.DERIVATIONS_PER_MINUTE_PER_CLIENT, 1_000),
    derivationsPerMinutePerCloud: numOrOff(env.DERIVATIONS_PER_MINUTE_PER_CLOUD, 10_000),
    maxDerivedPerAsset: numOrOff(env.MAX_DERIVED_PER_ASSET, 1_000),
  };
}

/** Versioned URLs never change content, so they may be cached for a year. */
export const VERSIONED_MAX_AGE = 31_536_000;

/** Redirects one remote fetch may follow; each hop is checked again like the first URL. */
export const MAX_FETCH_REDIRECTS = 4;

/**
 * The shortest time a fetched original is kept, whatever the origin's
 * Cache-Control says (`no-store`, `max-age=0`): without it every delivery
 * would load the origin again.
 */
export const MIN_FETCH_TTL_SECONDS = 60;
