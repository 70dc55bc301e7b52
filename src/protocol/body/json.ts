import { badRequest } from '../../errors';
import { Buffered } from './buffered';
import type { BodyEntry } from './entry';

/**
 * A streaming reader of a JSON object body. Members are handed out one at a
 * time; a string value is unescaped chunk by chunk as it arrives (a data URI
 * of 90 MB never sits whole in memory), any other value is handed out as its
 * JSON text for the caller to bound and convert.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_KEY_BYTES = 1024;
/** Whitespace after the closing brace that is still read, so the connection stays clean. */
const MAX_TRAILER_BYTES = 64 * 1024;

const invalid = (why: string) => badRequest(`Invalid request body: malformed JSON (${why})`);
const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

export async function* readJson(body: ReadableStream<Uint8Array>): AsyncGenerator<BodyEntry> {
  const reader = body.getReader();
  try {
    yield* members(new Buffered(reader));
  } finally {
    reader.releaseLock();
  }
}

/** The next byte that is not whitespace, left in the buffer; -1 at the end of the body. */
async function peekToken(r: Buffered): Promise<number> {
  for (;;) {
    let i = 0;
    while (i < r.buf.length && isSpace(r.buf[i])) i++;
    r.buf = r.buf.subarray(i);
    if (r.buf.length) return r.buf[0];
    if (!(await r.fill())) return -1;
  }
}

async function expect(r: Buffered, byte: number, why: string): Promise<void> {
  if ((await peekToken(r)) !== byte) throw invalid(why);
  r.buf = r.buf.subarray(1);
}

async function* members(r: Buffered): AsyncGenerator<BodyEntry> {
  const first = await peekToken(r);
  if (first === -1) return; // an empty body has no parameters
  await expect(r, 0x7b, 'expected an object');
  if ((await peekToken(r)) === 0x7d) {
    r.buf = r.buf.subarray(1);
    return trailer(r);
  }
  for (;;) {
    const name = await readKey(r);
    await expect(r, 0x3a, 'expected ":"');
    const start = await peekToken(r);
    if (start === -1) throw invalid('truncated');
    const entry = start === QUOTE ? stringEntry(r, name) : valueEntry(r, name);
    yield entry.entry;
    if (!entry.drained()) for await (const _ of entry.entry.chunks()) void _;
    const next = await peekToken(r);
    r.buf = r.buf.subarray(1);
    if (next === 0x2c) continue;
    if (next === 0x7d) return trailer(r);
    throw invalid('expected "," or "}"');
  }
}

/** Only whitespace may follow the object (and not without end). */
async function trailer(r: Buffered): Promise<void> {
  let n = r.buf.length;
  for (;;) {
    if (!r.buf.every(isSpace)) throw invalid('data after the object');
    r.buf = new Uint8Array(0);
    if (!(await r.fill())) return;
    n += r.buf.length;
    if (n > MAX_TRAILER_BYTES) throw invalid('data after the object');
  }
}

async function readKey(r: Buffered): Promise<string> {
  if ((await peekToken(r)) !== QUOTE) throw invalid('expected a member name');
  for (let i = 1; ; i++) {
    while (i >= r.buf.length) if (!(await r.fill())) throw invalid('truncated');
    if (i > MAX_KEY_BYTES) throw invalid('member name too long');
    if (r.buf[i] === BACKSLASH) i++;
    else if (r.buf[i] === QUOTE) {
      const raw = new TextDecoder().decode(r.buf.subarray(0, i + 1));
      r.buf = r.buf.subarray(i + 1);
      return JSON.parse(raw) as string;
    }
  }
}

interface Streamed {
  entry: BodyEntry;
  drained(): boolean;
}

const SIMPLE_ESCAPES: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9 };
const enc = new TextEncoder();

/** A string value, unescaped into UTF-8 bytes as it arrives (a buffer at a time, whatever the escapes). */
function stringEntry(r: Buffered, name: string): Streamed {
  r.buf = r.buf.subarray(1); // the opening quote
  let done = false;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (done) return;
    for (;;) {
      const { out, used, closed } = unescapeSome(r.buf, r.done);
      if (out.length) yield out;
      r.buf = r.buf.subarray(closed ? used + 1 : used);
      if (closed) {
        done = true;
        return;
      }
      if (!(await r.fill())) throw invalid('truncated string');
    }
  }
  return { entry: { name, filename: null, chunks }, drained: () => done };
}

/**
 * Unescapes string content up to the closing quote or up to an escape cut
 * by the end of `buf`: the bytes, how many input bytes were used, and
 * whether the closing quote (at `used`) was reached. Escapes only shrink.
 */
function unescapeSome(buf: Uint8Array, atEnd: boolean): { out: Uint8Array; used: number; closed: boolean } {
  const out = new Uint8Array(buf.length);
  let o = 0;
  let i = 0;
  while (i < buf.length) {
    const quote = buf.indexOf(QUOTE, i);
    const slash = buf.indexOf(BACKSLASH, i);
    const stop = slash >= 0 && (quote < 0 || slash < quote) ? slash : quote;
    const plainEnd = stop < 0 ? buf.length : stop;
    out.set(buf.subarray(i, plainEnd), o);
    o += plainEnd - i;
    i = plainEnd;
    if (stop < 0) break;
    if (buf[stop] === QUOTE) return { out: out.slice(0, o), used: i, closed: true };
    const esc = escapeAt(buf, i, atEnd);
    if (!esc) break; // cut by the end of what has arrived
    out.set(esc.bytes, o);
    o += esc.bytes.length;
    i += esc.length;
  }
  return { out: out.slice(0, o), used: i, closed: false };
}

const hexAt = (buf: Uint8Array, i: number): number => {
  const text = String.fromCharCode(...buf.subarray(i, i + 4));
  if (!/^[0-9a-fA-F]{4}$/.test(text)) throw invalid('bad escape in a string');
  return parseInt(text, 16);
};

/** The escape at `i` as UTF-8 and its length, or null when more bytes are needed. */
function escapeAt(buf: Uint8Array, i: number, atEnd: boolean): { bytes: Uint8Array; length: number } | null {
  if (i + 1 >= buf.length) return null;
  const simple = SIMPLE_ESCAPES[buf[i + 1]];
  if (simple !== undefined) return { bytes: new Uint8Array([simple]), length: 2 };
  if (buf[i + 1] !== 0x75) throw invalid('bad escape in a string');
  if (i + 6 > buf.length) return null;
  const unit = hexAt(buf, i + 2);
  if (unit >= 0xd800 && unit < 0xdc00) {
    // A high surrogate pairs with a following \uDC00-\uDFFF escape, if one follows.
    const pairMayFollow = i + 6 >= buf.length || buf[i + 6] === BACKSLASH;
    if (pairMayFollow && i + 12 > buf.length && !atEnd) return null;
    if (buf[i + 6] === BACKSLASH && buf[i + 7] === 0x75 && i + 12 <= buf.length) {
      const low = hexAt(buf, i + 8);
      if (low >= 0xdc00 && low < 0xe000) return { bytes: enc.encode(String.fromCharCode(unit, low)), length: 12 };
    }
  }
  return { bytes: enc.encode(String.fromCharCode(unit)), length: 6 };
}

/** Any other value (number, true, false, null, array, object), handed out as its JSON text. */
function valueEntry(r: Buffered, name: string): Streamed {
  let done = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (done) return;
    for (;;) {
      let i = 0;
      let finished = false;
      for (; i < r.buf.length && !finished; i++) {
        const b = r.buf[i];
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) inString = false;
        } else if (b === QUOTE) inString = true;
        else if (b === 0x5b || b === 0x7b) depth++;
        else if (depth > 0 && (b === 0x5d || b === 0x7d)) finished = --depth === 0;
        else if (depth === 0 && (b === 0x2c || b === 0x7d || isSpace(b))) {
          // A scalar ends before the delimiter that follows it.
          finished = true;
          i--;
        }
      }
      if (i > 0) yield r.buf.slice(0, i);
      r.buf = r.buf.subarray(i);
      if (finished) {
        done = true;
        return;
      }
      if (!(await r.fill())) throw invalid('truncated');
    }
  }
  return { entry: { name, filename: null, json: true, chunks }, drained: () => done };
}
