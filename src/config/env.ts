/** Bindings and variables the worker receives (see wrangler.toml and INTERFACE.md). */
export interface Env {
  BUCKET: R2Bucket;
  CONFIG: KVNamespace;
  DB: D1Database;
  JOBS: Queue<unknown>;
  /** Rate limiters of new derivations for unsigned requests (wrangler.toml `[[ratelimits]]`); absent means no limit. */
  DERIVATIONS_CLIENT_LIMITER?: RateLimit;
  DERIVATIONS_CLOUD_LIMITER?: RateLimit;

  CLOUDINARY_URL?: string;
  CLOUDS?: string;
  ALLOW_PRIVATE_NETWORK_FETCH?: string;
  DELIVERY_BASE_URL?: string;
  MAX_UPLOAD_BYTES?: string;
  MAX_CHUNKED_UPLOAD_BYTES?: string;
  MAX_IMAGE_PIXELS?: string;
  MAX_DECODE_PIXELS?: string;
  MAX_JPEG_DECODE_PIXELS?: string;
  MAX_OUTPUT_PIXELS?: string;
  FETCH_TTL_SECONDS?: string;
  MAX_FETCH_BYTES?: string;
  FETCH_TIMEOUT_MS?: string;
  UNVERSIONED_MAX_AGE?: string;
  CF_ZONE_ID?: string;
  CF_API_TOKEN?: string;
  CF_API_BASE_URL?: string;
  ENABLE_DEMO_PAGES?: string;
  /** The only host that serves `/console` (src/http/console/host.ts); unset: every host. */
  CONSOLE_HOST?: string;
  /** New derived images per minute made for unsigned requests, per client and per cloud; 0 turns a limit off. */
  DERIVATIONS_PER_MINUTE_PER_CLIENT?: string;
  DERIVATIONS_PER_MINUTE_PER_CLOUD?: string;
  /** The most derived images kept per asset; beyond it the least recently used are removed. 0 turns the cap off. */
  MAX_DERIVED_PER_ASSET?: string;
  /** Background jobs: the first retry delay, the largest delay, and the retries before a job is recorded as failed. */
  JOB_RETRY_BASE_SECONDS?: string;
  JOB_RETRY_MAX_SECONDS?: string;
  JOB_MAX_RETRIES?: string;
}
