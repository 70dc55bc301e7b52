import { badRequest } from '../../errors';

const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

/**
 * Decodes a stream of Base64 text into bytes, chunk by chunk, so a 60 MB
 * data URI is never held whole. Whitespace is skipped; anything else outside
 * the alphabet is a 400.
 */
export async function* decodeBase64(text: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let carry = '';
  let ended = false;
  const latin1 = new TextDecoder('latin1');
  for await (const chunk of text) {
    let s = carry + latin1.decode(chunk).replace(/\s+/g, '');
    if (NOT_BASE64.test(s)) throw badRequest('Invalid data URI: malformed base64');
    if (ended && s.length) throw badRequest('Invalid data URI: data after base64 padding');
    const usable = s.length - (s.length % 4);
    carry = s.slice(usable);
    s = s.slice(0, usable);
    if (!s) continue;
    const pad = s.indexOf('=');
    if (pad >= 0 && pad < s.length - 2) throw badRequest('Invalid data URI: malformed base64');
    if (pad >= 0) ended = true;
    yield binary(s);
  }
  if (carry) {
    // Unpadded input: complete the last quantum.
    if (carry.length === 1) throw badRequest('Invalid data URI: malformed base64');
    yield binary(carry + '='.repeat(4 - carry.length));
  }
}

function binary(s: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    throw badRequest('Invalid data URI: malformed base64');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Percent-decodes a stream (a non-Base64 data URI's payload), keeping split escapes together. */
export async function* decodePercent(text: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const latin1 = new TextDecoder('latin1');
  let carry = '';
  for await (const chunk of text) {
    let s = carry + latin1.decode(chunk);
    const cut = s.lastIndexOf('%');
    carry = cut >= 0 && cut > s.length - 3 ? s.slice(cut) : '';
    s = s.slice(0, s.length - carry.length);
    yield latin1Bytes(s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
  }
  if (carry) yield latin1Bytes(carry);
}

const latin1Bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
