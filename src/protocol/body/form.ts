import { badRequest } from '../../errors';
import { Buffered } from './buffered';
import type { Part } from './multipart';

/**
 * A streaming `application/x-www-form-urlencoded` reader (also the Go SDK's
 * bodies without a Content-Type). Pairs are handed out one at a time and a
 * value is percent-decoded chunk by chunk as it arrives, so a data URI of
 * 90 MB in a form body never sits whole in memory. Decoding follows
 * URLSearchParams: `+` is a space, `%XX` a byte, a malformed escape stays as is.
 */
const AMP = 0x26;
const EQ = 0x3d;
const PLUS = 0x2b;
const PERCENT = 0x25;
/** A key longer than this is not a parameter name. */
const MAX_KEY_BYTES = 1024;

export async function* readForm(body: ReadableStream<Uint8Array>): AsyncGenerator<Part> {
  const reader = body.getReader();
  try {
    yield* pairs(new Buffered(reader));
  } finally {
    reader.releaseLock();
  }
}

async function* pairs(r: Buffered): AsyncGenerator<Part> {
  for (;;) {
    // The key runs to "=" or "&" (or the end of the body).
    let end: number;
    while ((end = r.buf.findIndex((b) => b === EQ || b === AMP)) < 0) {
      if (r.buf.length > MAX_KEY_BYTES) throw badRequest('Invalid request body: parameter name too long');
      if (!(await r.fill())) break;
    }
    if (end < 0 && !r.buf.length) return;
    const keyBytes = end < 0 ? r.buf : r.buf.subarray(0, end);
    if (keyBytes.length > MAX_KEY_BYTES) throw badRequest('Invalid request body: parameter name too long');
    const name = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(formDecode(keyBytes));
    const hasValue = end >= 0 && r.buf[end] === EQ;
    r.buf = end < 0 ? new Uint8Array(0) : r.buf.subarray(end + 1);
    if (!keyBytes.length && !hasValue) continue; // "&&": an empty pair

    let drained = !hasValue;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      if (drained) return;
      for (;;) {
        const amp = r.buf.indexOf(AMP);
        if (amp >= 0) {
          if (amp > 0) yield formDecode(r.buf.subarray(0, amp));
          r.buf = r.buf.subarray(amp + 1);
          drained = true;
          return;
        }
        // Keep a trailing escape that may be cut ("%4" of "%41").
        const keep = r.buf.length >= 2 && r.buf[r.buf.length - 2] === PERCENT ? 2 : r.buf[r.buf.length - 1] === PERCENT ? 1 : 0;
        const safe = r.buf.length - keep;
        if (safe > 0) {
          const out = formDecode(r.buf.subarray(0, safe));
          r.buf = r.buf.subarray(safe);
          yield out;
        }
        if (!(await r.fill())) {
          if (r.buf.length) yield formDecode(r.buf);
          r.buf = new Uint8Array(0);
          drained = true;
          return;
        }
      }
    }
    yield { name, filename: null, contentType: null, chunks };
    if (!drained) for await (const _ of chunks()) void _;
  }
}

const hex = (b: number) => (b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x41 && b <= 0x46 ? b - 0x37 : b >= 0x61 && b <= 0x66 ? b - 0x57 : -1);

/** `+` to a space and `%XX` to its byte; anything else as is. */
function formDecode(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === PLUS) out[o++] = 0x20;
    else if (b === PERCENT && i + 2 < bytes.length && hex(bytes[i + 1]) >= 0 && hex(bytes[i + 2]) >= 0) {
      out[o++] = hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]);
      i += 2;
    } else out[o++] = b;
  }
  return out.subarray(0, o);
}
