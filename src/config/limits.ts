/**
 * Every size limit in one place. Each default has its reason; deployments may
 * lower or raise them through the variables of the same name. They are read and
 * checked once, with the rest of the configuration, in src/config/config.ts.
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
  /**
   * The engine's memory budget per isolate, shared by the requests in work at
   * once (src/engine/budget.ts): 128 MB less what code, heap and request
   * bodies need.
   */
  engineMemoryBytes: number;
  /** Pixel operations one request may do (about a nanosecond each on one core; see src/engine/costs.ts). */
  engineWorkPixels: number;
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
  /**
   * Assets a fixed-mode rename_folder renames within its call. Each rename
   * copies an original in R2 (Workers have no server-side copy), so a larger
   * folder is answered at once and renamed by the queue, a batch per run.
   */
  folderRenameSyncMax: number;
}

/**
 * The variable that sets each limit and its default (the reasons are on `Limits`); a
 * variable in larger units than its limit (megabytes for bytes) gives the factor.
 */
export const LIMIT_VARIABLES: { readonly [K in keyof Limits]: readonly [variable: LimitVariable, fallback: number, unit?: number] } = {
  maxUploadBytes: ['MAX_UPLOAD_BYTES', 100 * 1024 * 1024],
  maxChunkedUploadBytes: ['MAX_CHUNKED_UPLOAD_BYTES', 2 * 1024 * 1024 * 1024],
  maxImagePixels: ['MAX_IMAGE_PIXELS', 100_000_000],
  maxDecodePixels: ['MAX_DECODE_PIXELS', 7_000_000],
  maxJpegDecodePixels: ['MAX_JPEG_DECODE_PIXELS', 12_000_000],
  maxOutputPixels: ['MAX_OUTPUT_PIXELS', 25_000_000],
  engineMemoryBytes: ['ENGINE_MEMORY_MB', 96, 1024 * 1024],
  engineWorkPixels: ['ENGINE_WORK_PIXELS', 10_000_000_000],
  fetchTtlSeconds: ['FETCH_TTL_SECONDS', 86_400],
  maxFetchBytes: ['MAX_FETCH_BYTES', 20 * 1024 * 1024],
  fetchTimeoutMs: ['FETCH_TIMEOUT_MS', 15_000],
  unversionedMaxAge: ['UNVERSIONED_MAX_AGE', 3_600],
  derivationsPerMinutePerClient: ['DERIVATIONS_PER_MINUTE_PER_CLIENT', 1_000],
  derivationsPerMinutePerCloud: ['DERIVATIONS_PER_MINUTE_PER_CLOUD', 10_000],
  maxDerivedPerAsset: ['MAX_DERIVED_PER_ASSET', 1_000],
  folderRenameSyncMax: ['FOLDER_RENAME_SYNC_MAX', 100],
};

/** Limits where 0 is a value of its own: it turns the limit off. */
export const LIMITS_OFF_AT_ZERO: ReadonlySet<keyof Limits> = new Set([
  'derivationsPerMinutePerClient',
  'derivationsPerMinutePerCloud',
  'maxDerivedPerAsset',
]);

type LimitVariable =
  | 'MAX_UPLOAD_BYTES'
  | 'MAX_CHUNKED_UPLOAD_BYTES'
  | 'MAX_IMAGE_PIXELS'
  | 'MAX_DECODE_PIXELS'
  | 'MAX_JPEG_DECODE_PIXELS'
  | 'MAX_OUTPUT_PIXELS'
  | 'ENGINE_MEMORY_MB'
  | 'ENGINE_WORK_PIXELS'
  | 'FETCH_TTL_SECONDS'
  | 'MAX_FETCH_BYTES'
  | 'FETCH_TIMEOUT_MS'
  | 'UNVERSIONED_MAX_AGE'
  | 'DERIVATIONS_PER_MINUTE_PER_CLIENT'
  | 'DERIVATIONS_PER_MINUTE_PER_CLOUD'
  | 'MAX_DERIVED_PER_ASSET'
  | 'FOLDER_RENAME_SYNC_MAX';

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
