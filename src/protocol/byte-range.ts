/**
 * `Range: bytes=...` on delivery, as CDNs answer it (RFC 9110 §14): one range
 * of a body whose size is known. Several ranges, other units and malformed
 * values are ignored (the whole body, 200), as the RFC allows; a range that
 * starts past the end is unsatisfiable (416).
 */
export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export type RangeAnswer = ByteRange | 'unsatisfiable' | undefined;

const SINGLE_RANGE = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/** The range the client asked for in `header`, within a body of `size` bytes. */
export function parseRange(header: string | null, size: number): RangeAnswer {
  const m = SINGLE_RANGE.exec(header ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    // `bytes=-N`: the last N bytes.
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  // A last position before the first is a malformed range, not an unsatisfiable one.
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

/**
 * `If-Range`: the range holds only while the client's copy is current (its
 * ETag, strong, or its Last-Modified date); otherwise the whole body is sent.
 */
export function rangeStillValid(ifRange: string | null, etag: string | null, lastModified: string | null): boolean {
  if (ifRange === null) return true;
  const v = ifRange.trim();
  if (v.startsWith('"')) return etag !== null && v === etag;
  return v !== '' && v === lastModified;
}

/** What a request asks of a body with these headers: a range, an unsatisfiable one, or all of it. */
export function requestedRange(req: Request, size: number, headers: Headers): RangeAnswer {
  if (req.method !== 'GET' || !req.headers.has('Range')) return undefined;
  if (!rangeStillValid(req.headers.get('If-Range'), headers.get('ETag'), headers.get('Last-Modified'))) return undefined;
  return parseRange(req.headers.get('Range'), size);
}

export const contentRange = (r: ByteRange, size: number) => `bytes ${r.start}-${r.end}/${size}`;
