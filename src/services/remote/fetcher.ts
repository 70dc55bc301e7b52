import { CldError, badRequest } from '../../errors';
import { MAX_FETCH_REDIRECTS } from '../../config/limits';
import { concat } from '../../engine/bytes';
import { mimeFor, sniffImage } from '../../engine/sniff';
import { checkRemoteUrl, type RemotePolicy } from './policy';

/**
 * The one way the worker reaches another server: fetch delivery, auto-upload,
 * remote-URL uploads, overlays and webhooks all come through here. Every URL
 * (the first and each redirect hop) passes the policy check; the whole
 * exchange, body included, has one deadline; the body is counted while it
 * streams and abandoned past the limit.
 */
export interface RemoteRequest extends RemotePolicy {
  /** The most bytes read from the body; more is an error. */
  maxBytes: number;
  /** The deadline for the whole exchange, from the first byte sent to the last byte read. */
  timeoutMs: number;
  /** Redirects followed, each checked again; more is an error. */
  maxRedirects?: number;
  method?: string;
  headers?: HeadersInit;
  body?: string | Uint8Array;
}

export interface RemoteResponse {
  status: number;
  headers: Headers;
  /** The Content-Type as the remote sent it ('' when absent). */
  contentType: string;
  bytes: Uint8Array;
  /** The URL that answered, after redirects. */
  finalUrl: string;
}

export interface FetchOptions extends RemoteRequest {
  /** `image`: the body must be an image the worker recognises; `any`: anything (raw uploads). */
  accept: 'image' | 'any';
}

/** Why a remote could not be loaded; callers word it for their API (delivery and the Upload API differ). */
export type RemoteFailureReason = 'status' | 'timeout' | 'unreachable' | 'too-large';

/** A remote that could not be loaded, with what is known about why. */
export class RemoteFailure extends CldError {
  constructor(
    status: number,
    message: string,
    readonly url: string,
    readonly reason: RemoteFailureReason,
    /** The remote's HTTP status, for `status` failures. */
    readonly remoteStatus?: number,
  ) {
    super(status, message);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'cld-worker (remote fetch)';

class Deadline {
  private timer: ReturnType<typeof setTimeout> | undefined;
  readonly controller = new AbortController();
  readonly expired: Promise<never>;

  constructor(
    readonly ms: number,
    url: string,
  ) {
    this.expired = new Promise<never>((_, reject) => {
      this.timer = setTimeout(() => {
        this.controller.abort();
        reject(new RemoteFailure(504, `Timed out loading ${url} after ${Math.round(ms / 100) / 10} s`, url, 'timeout'));
      }, ms);
    });
    this.expired.catch(() => undefined);
  }

  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.expired]);
  }

  clear() {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

/**
 * Any answer of the remote, whatever its status (webhooks need to see 4xx/5xx
 * to decide about retries). Redirects are followed here, never by `fetch`.
 */
export async function guardedRequest(input: string, opts: RemoteRequest): Promise<RemoteResponse> {
  let url = checkRemoteUrl(input, opts);
  const deadline = new Deadline(opts.timeoutMs, url.href);
  let method = (opts.method ?? 'GET').toUpperCase();
  let body = opts.body;
  const headers = new Headers(opts.headers);
  if (!headers.has('User-Agent')) headers.set('User-Agent', USER_AGENT);
  const maxRedirects = opts.maxRedirects ?? MAX_FETCH_REDIRECTS;
  try {
    for (let hop = 0; ; hop++) {
      let res: Response;
      try {
        res = await deadline.race(fetch(url.href, { method, headers, body, redirect: 'manual', signal: deadline.controller.signal }));
      } catch (err) {
        if (err instanceof CldError) throw err;
        const detail = err instanceof Error ? err.message : 'connection failed';
        throw new RemoteFailure(502, `Error in loading ${url.href} - ${detail}`, url.href, 'unreachable');
      }
      if (REDIRECTS.has(res.status)) {
        res.body?.cancel().catch(() => undefined);
        const location = res.headers.get('Location');
        if (!location) throw new CldError(502, `Error in loading ${url.href} - redirect ${res.status} without a Location`);
        if (hop >= maxRedirects) throw badRequest(`Error in loading ${input} - too many redirects (more than ${maxRedirects})`);
        const next = checkRemoteUrl(new URL(location, url), opts);
        // Credentials meant for one origin are not handed to another.
        if (next.origin !== url.origin) for (const h of ['Authorization', 'Cookie']) headers.delete(h);
        url = next;
        // As browsers do: 303 always, and 301/302 after a POST, continue as a GET without the body.
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      const bytes = await readLimited(res, opts.maxBytes, url.href, deadline);
      return { status: res.status, headers: res.headers, contentType: res.headers.get('Content-Type') ?? '', bytes, finalUrl: url.href };
    }
  } finally {
    deadline.clear();
  }
}

/** Reads a body up to `max` bytes; the Content-Length is believed only when it already says too much. */
async function readLimited(res: Response, max: number, url: string, deadline: Deadline): Promise<Uint8Array> {
  const tooLarge = (got: string) =>
    new RemoteFailure(400, `File size too large. Got ${got} from ${url}. Maximum is ${max}.`, url, 'too-large');
  const declared = Number(res.headers.get('Content-Length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel();
    throw tooLarge(String(declared));
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await deadline.race(reader.read());
      if (done) break;
      total += value.byteLength;
      if (total > max) throw tooLarge(`more than ${max}`);
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => undefined);
    if (err instanceof CldError) throw err;
    throw new RemoteFailure(502, `Error in loading ${url} - the connection failed while reading the body`, url, 'unreachable');
  }
  return chunks.length === 1 ? chunks[0] : concat(chunks, total);
}

/** The status a failed remote answer becomes: its 404 stays a 404, its server errors are a bad gateway. */
function remoteStatusError(r: RemoteResponse, url: string): RemoteFailure {
  const status = r.status === 404 || r.status === 410 ? 404 : r.status >= 500 ? 502 : 400;
  return new RemoteFailure(status, `Error in loading ${url} - remote server answered ${r.status}`, url, 'status', r.status);
}

/** Accepts a successful answer of the expected kind. An image's content type is taken from its bytes: origins often send none or a wrong one. */
export function expectFetched(r: RemoteResponse, url: string, accept: 'image' | 'any'): RemoteResponse {
  if (r.status < 200 || r.status > 299) throw remoteStatusError(r, url);
  if (accept === 'any') return r;
  const sniffed = sniffImage(r.bytes);
  if (!sniffed) {
    throw badRequest(`Error in loading ${url} - not an image (${r.contentType || 'no content type'}, ${r.bytes.byteLength} bytes)`);
  }
  return { ...r, contentType: mimeFor(sniffed.format) };
}

/** A GET (by default) that must succeed and, for `accept: 'image'`, return an image. */
export async function guardedFetch(url: string, opts: FetchOptions): Promise<RemoteResponse> {
  return expectFetched(await guardedRequest(url, opts), url, opts.accept);
}
