import { badRequest } from '../../errors';
import type { Env } from '../../config/env';
import type { UrlBase } from '../../protocol/urls';
import type { ResourceRow } from '../../storage/resources';
import { generateEager, parseEager } from './eager';

/**
 * `responsive_breakpoints` (https://cloudinary.com/documentation/responsive_breakpoints):
 * for each request, widths between `min_width` and `max_width` (at most the
 * image's own) whose files differ by at least `bytes_step` bytes, at most
 * `max_images` of them, widest first; each is stored as a derived image
 * (`c_scale,w_<width>` after the request's own `transformation`).
 */
export interface BreakpointRequest {
  minWidth: number;
  maxWidth: number;
  bytesStep: number;
  maxImages: number;
  transformation: string | undefined;
  format: string | undefined;
}

/** Candidate widths encoded per request: each costs one resize and encode during the upload. */
const MAX_CANDIDATES = 10;
const MAX_REQUESTS = 3;

const int = (v: unknown, fallback: number, name: string) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000) throw badRequest(`Illegal value ${String(v)} for ${name} in responsive_breakpoints`);
  return n;
};

export function parseBreakpoints(raw: string | undefined): BreakpointRequest[] {
  if (!raw) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw badRequest('Illegal value for parameter responsive_breakpoints: expected JSON');
  }
  const list = Array.isArray(value) ? value : [value];
  if (list.length > MAX_REQUESTS) throw badRequest(`responsive_breakpoints takes at most ${MAX_REQUESTS} requests`);
  return list.map((e: Record<string, unknown>) => {
    if (typeof e !== 'object' || e === null) throw badRequest('Illegal value for parameter responsive_breakpoints');
    const r: BreakpointRequest = {
      minWidth: int(e.min_width, 50, 'min_width'),
      maxWidth: int(e.max_width, 1000, 'max_width'),
      bytesStep: int(e.bytes_step, 20000, 'bytes_step'),
      maxImages: Math.min(int(e.max_images, 20, 'max_images'), MAX_CANDIDATES),
      transformation: typeof e.transformation === 'string' && e.transformation ? e.transformation : undefined,
      format: typeof e.format === 'string' && e.format ? e.format.toLowerCase() : undefined,
    };
    if (r.minWidth > r.maxWidth) throw badRequest('responsive_breakpoints: min_width is larger than max_width');
    return r;
  });
}

/** Evenly spaced candidate widths from the widest down. */
function candidates(r: BreakpointRequest, imageWidth: number): number[] {
  const max = Math.min(r.maxWidth, imageWidth);
  const min = Math.min(r.minWidth, max);
  const n = Math.max(1, Math.min(MAX_CANDIDATES, r.maxImages));
  const widths = new Set<number>();
  for (let i = 0; i < n; i++) widths.add(Math.round(max - ((max - min) * i) / Math.max(1, n - 1)));
  return [...widths];
}

export async function makeBreakpoints(env: Env, base: UrlBase, resource: ResourceRow, original: Uint8Array, requests: BreakpointRequest[]) {
  const out: Record<string, unknown>[] = [];
  for (const r of requests) {
    const widths = candidates(r, resource.width ?? 0);
    const specs = parseEager(
      widths.map((w) => [r.transformation, `c_scale,w_${w}`].filter(Boolean).join('/') + (r.format ? `/${r.format}` : '')),
    );
    const made = await generateEager(env, base, resource, specs, original);
    const kept = [made[0]];
    for (const m of made.slice(1)) {
      if (kept.length >= r.maxImages) break;
      if (kept[kept.length - 1].bytes - m.bytes >= r.bytesStep || m === made[made.length - 1]) kept.push(m);
    }
    const entry: Record<string, unknown> = {
      breakpoints: kept.map((m) => ({ width: m.width, height: m.height, bytes: m.bytes, url: m.url, secure_url: m.secure_url })),
    };
    if (r.transformation) entry.transformation = r.transformation;
    out.push(entry);
  }
  return out;
}
