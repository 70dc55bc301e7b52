import { badRequest } from '../../errors';
import { Buffered, indexOf } from './buffered';

/**
 * A streaming `multipart/form-data` reader. Parts are handed out one at a
 * time and their bodies are read chunk by chunk, so a 100 MB file part never
 * sits whole in memory (request.formData() would buffer it).
 */
export interface Part {
  name: string;
  filename: string | null;
  contentType: string | null;
  /** The part's bytes, in the order they arrive. Must be drained (or the part skipped) before the next part. */
  chunks(): AsyncGenerator<Uint8Array>;
}

const enc = new TextEncoder();
const CRLF = enc.encode('\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

export function boundaryOf(contentType: string): string {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  if (!b || b.length > 200) throw badRequest('Invalid multipart body: missing boundary');
  return b;
}

function parseHeaders(text: string): { name: string; filename: string | null; contentType: string | null } {
  let name: string | null = null;
  let filename: string | null = null;
  let contentType: string | null = null;
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const key = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (key === 'content-type') contentType = value;
    if (key === 'content-disposition') {
      name = /(?:^|;)\s*name="((?:[^"\\]|\\.)*)"/i.exec(value)?.[1] ?? /(?:^|;)\s*name=([^;\s]+)/i.exec(value)?.[1] ?? null;
      const star = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(value)?.[1];
      const plain = /(?:^|;)\s*filename="((?:[^"\\]|\\.)*)"/i.exec(value)?.[1] ?? /(?:^|;)\s*filename=([^;\s]+)/i.exec(value)?.[1];
      filename = star ? safeDecode(star) : (plain ?? null);
    }
  }
  if (name === null) throw badRequest('Invalid multipart body: part without a name');
  return { name, filename, contentType };
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Yields the parts of a multipart body in order. */
export async function* readMultipart(body: ReadableStream<Uint8Array>, boundary: string): AsyncGenerator<Part> {
  const reader = body.getReader();
  try {
    yield* parts(new Buffered(reader), boundary);
  } finally {
    // Whoever stopped reading may still drain what is left.
    reader.releaseLock();
  }
}

async function* parts(r: Buffered, boundary: string): AsyncGenerator<Part> {
  // The body starts with "--B"; every later delimiter is "\r\n--B". Prefixing
  // a CRLF lets one pattern find them all.
  r.buf = CRLF.slice();
  const delimiter = enc.encode(`\r\n--${boundary}`);

  // Skip the preamble up to the first delimiter.
  for (;;) {
    const i = indexOf(r.buf, delimiter);
    if (i >= 0) {
      r.buf = r.buf.subarray(i + delimiter.length);
      break;
    }
    if (r.buf.length > delimiter.length) r.buf = r.buf.subarray(r.buf.length - delimiter.length);
    if (!(await r.fill())) throw badRequest('Invalid multipart body: no boundary found');
  }

  for (;;) {
    if (!(await r.need(2))) throw badRequest('Invalid multipart body: truncated');
    if (r.buf[0] === 0x2d && r.buf[1] === 0x2d) {
      // "--": the closing delimiter. Read the body to its end so the
      // connection is clean for the client's next request (keep-alive).
      await r.drain(MAX_HEADER_BYTES, 'Invalid multipart body: data after the closing boundary');
      return;
    }
    // Headers end at the first empty line.
    let end: number;
    while ((end = indexOf(r.buf, enc.encode('\r\n\r\n'))) < 0) {
      if (r.buf.length > MAX_HEADER_BYTES) throw badRequest('Invalid multipart body: part headers too long');
      if (!(await r.fill())) throw badRequest('Invalid multipart body: truncated part headers');
    }
    const headerText = new TextDecoder().decode(r.buf.subarray(0, end)).replace(/^[ \t]*\r\n/, '');
    r.buf = r.buf.subarray(end + 4);
    const headers = parseHeaders(headerText);

    let drained = false;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      if (drained) return;
      for (;;) {
        const i = indexOf(r.buf, delimiter);
        if (i >= 0) {
          if (i > 0) yield r.buf.slice(0, i);
          r.buf = r.buf.subarray(i + delimiter.length);
          drained = true;
          return;
        }
        // Keep a tail that could be the start of the delimiter.
        const safe = r.buf.length - (delimiter.length - 1);
        if (safe > 0) {
          const out = r.buf.slice(0, safe);
          r.buf = r.buf.subarray(safe);
          yield out;
        }
        if (!(await r.fill())) throw badRequest('Invalid multipart body: truncated part');
      }
    }
    const part: Part = { ...headers, chunks };
    yield part;
    if (!drained) for await (const _ of chunks()) void _;
  }
}

/** A part's bytes as text, refusing more than `limit` bytes. */
export async function partText(part: Part, limit: number): Promise<string> {
  const pieces: Uint8Array[] = [];
  let n = 0;
  for await (const c of part.chunks()) {
    n += c.length;
    if (n > limit) throw badRequest(`Parameter ${part.name} is too long`);
    pieces.push(c);
  }
  const all = new Uint8Array(n);
  let o = 0;
  for (const p of pieces) {
    all.set(p, o);
    o += p.length;
  }
  return new TextDecoder().decode(all);
}
