import { badRequest, type CldError } from '../../errors';
import type { BodyEntry } from './entry';
import { addField, parseJsonValue, setJsonField, type FieldValue } from './field-value';
import { readForm } from './form';
import { readJson } from './json';
import { boundaryOf, readMultipart } from './multipart';

/**
 * What the parameters of one body may hold, besides the file. Contexts, eager
 * lists, metadata and a thousand public ids stay far below these; without
 * them 300 fields of 1 MiB would take 300 MB of an isolate's 128 MB.
 */
export interface FieldLimits {
  /** The most parameters (entries) in one body. */
  maxFields: number;
  /** The largest one parameter, in bytes. */
  maxFieldBytes: number;
  /** All parameters together, in bytes. */
  maxTotalBytes: number;
}

export const FIELD_LIMITS: FieldLimits = { maxFields: 2000, maxFieldBytes: 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024 };

/** A body's `file` when it carries bytes: a multipart file part, or a data URI in any encoding. */
export interface BodyFile {
  /** The multipart file name; null for a data URI. */
  filename: string | null;
  /** True when the bytes are a data URI's text (to be decoded), false for a file part's raw bytes. */
  dataUri: boolean;
  chunks: AsyncIterable<Uint8Array>;
}

export interface ReadFieldsOptions {
  limits?: FieldLimits;
  /**
   * Reads the file's bytes (all of them) when `file` carries bytes, with the
   * parameters that came before it. Without it, `file` is read as any field
   * (a URL, or refused as too long).
   */
  onFile?: (file: BodyFile, fieldsSoFar: Record<string, FieldValue>) => Promise<void>;
  /** Raw body bytes beyond this are refused with `tooLarge`, with or without a Content-Length. */
  maxBodyBytes: number;
  tooLarge: () => CldError;
}

type Kind = 'multipart' | 'json' | 'form';

/** Multipart, JSON, or urlencoded (also a body with no Content-Type at all: the Go SDK sends none). */
export function bodyKind(contentType: string): Kind {
  const t = contentType.toLowerCase();
  return t.startsWith('multipart/form-data') ? 'multipart' : t.startsWith('application/json') ? 'json' : 'form';
}

function entries(body: ReadableStream<Uint8Array>, contentType: string): AsyncGenerator<BodyEntry> {
  const kind = bodyKind(contentType);
  if (kind === 'multipart') return readMultipart(body, boundaryOf(contentType));
  return kind === 'json' ? readJson(body) : readForm(body);
}

/**
 * Reads a body's parameters into `fields` as the body streams in, within the
 * limits: the count and bytes of the fields, and the raw body size. The file
 * (first `file` entry carrying bytes) goes to `onFile` as it arrives.
 */
export async function readBodyFields(
  body: ReadableStream<Uint8Array>,
  contentType: string,
  fields: Record<string, FieldValue>,
  o: ReadFieldsOptions,
): Promise<void> {
  const limits = o.limits ?? FIELD_LIMITS;
  const json = bodyKind(contentType) === 'json';
  let count = 0;
  let total = 0;
  let fileTaken = false;
  const limited = ceiling(body, o.maxBodyBytes, o.tooLarge);
  try {
    for await (const entry of entries(limited.stream, contentType)) {
      if (entry.name === 'file' && o.onFile && !fileTaken && !entry.json) {
        const { head, chunks } = await peek(entry.chunks(), 5);
        if (entry.filename !== null || isDataUri(head)) {
          fileTaken = true;
          await o.onFile({ filename: entry.filename, dataUri: entry.filename === null, chunks }, fields);
          continue;
        }
        entry.chunks = () => chunks;
      }
      if (++count > limits.maxFields) throw badRequest(`Too many parameters: at most ${limits.maxFields} are accepted`);
      const text = await fieldText(entry, limits.maxFieldBytes, limits.maxTotalBytes - total);
      total += text.bytes;
      if (!json) addField(fields, entry.name, text.value);
      else setJsonField(fields, entry.name, entry.json ? parseJsonValue(text.value) : text.value);
    }
  } finally {
    limited.release();
  }
}

const isDataUri = (head: Uint8Array) => /^data:/i.test(new TextDecoder().decode(head));

/** An entry's bytes as text, within the per-field limit and what is left of the total. */
async function fieldText(entry: BodyEntry, maxField: number, left: number): Promise<{ value: string; bytes: number }> {
  const pieces: Uint8Array[] = [];
  let n = 0;
  for await (const c of entry.chunks()) {
    n += c.length;
    if (n > maxField) throw badRequest(`Parameter ${entry.name} is too long`);
    if (n > left) throw badRequest('Request parameters too large: the fields besides the file exceed the limit');
    pieces.push(c);
  }
  const all = new Uint8Array(n);
  let o = 0;
  for (const p of pieces) {
    all.set(p, o);
    o += p.length;
  }
  return { value: new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(all), bytes: n };
}

/** The first `n` bytes of a stream of chunks, and an iterator that still yields all of them. */
async function peek(it: AsyncIterator<Uint8Array>, n: number): Promise<{ head: Uint8Array; chunks: AsyncGenerator<Uint8Array> }> {
  const seen: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const { value, done } = await it.next();
    if (done) break;
    seen.push(value);
    got += value.length;
  }
  const head = new Uint8Array(got);
  let o = 0;
  for (const s of seen) {
    head.set(s, o);
    o += s.length;
  }
  async function* chunks() {
    yield* seen;
    yield* { [Symbol.asyncIterator]: () => it };
  }
  return { head: head.subarray(0, n), chunks: chunks() };
}

/**
 * The body, refused once more than `max` bytes have come (whatever the
 * Content-Length said, if anything). Pulled only on demand, so when reading
 * stops the request body can be released and drained by the caller.
 */
function ceiling(body: ReadableStream<Uint8Array>, max: number, tooLarge: () => CldError) {
  const reader = body.getReader();
  let n = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(ctrl) {
        const { done, value } = await reader.read();
        if (done) return ctrl.close();
        n += value.length;
        if (n > max) ctrl.error(tooLarge());
        else ctrl.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  const release = () => {
    try {
      reader.releaseLock();
    } catch {
      // a read still pending: the body is being torn down anyway
    }
  };
  return { stream, release };
}
