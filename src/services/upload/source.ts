import { badRequest } from '../../errors';
import { decodeBase64, decodePercent } from './base64';
import type { Staging } from './staging';

/** `data:<mime>[;param=v]*[;base64],` : the header before the payload, as the SDKs send a data URI file. */
const DATA_URI_HEADER = /^data:([\w/+.-]*)((?:;[\w-]+=[^;,]*)*)(;base64)?,$/i;
const MAX_DATA_URI_HEADER = 1024;

/** Schemes the SDKs may send that this worker does not fetch from. */
const UNSUPPORTED_SCHEMES = /^(s3|gs|ftp|ftps):/i;

/** What the `file` parameter named, when it was not the bytes themselves. */
export type FileReference = { kind: 'remote'; url: URL } | { kind: 'missing' };

/** Classifies a textual `file` value that is not a data URI. */
export function fileReference(file: string | undefined): FileReference {
  if (!file) return { kind: 'missing' };
  const scheme = UNSUPPORTED_SCHEMES.exec(file);
  if (scheme) throw badRequest(`Uploading from ${scheme[1].toLowerCase()}:// URLs is not supported`);
  if (/^https?:\/\//i.test(file)) {
    try {
      return { kind: 'remote', url: new URL(file) };
    } catch {
      throw badRequest(`Invalid URL for file: ${file}`);
    }
  }
  throw badRequest('Invalid file parameter: expected a file, a data URI or an http(s) URL');
}

/**
 * Streams a data URI's payload into `staging`, decoding as it goes. The header
 * (up to the first comma) is read first; the payload is Base64 or percent-encoded.
 */
export async function stageDataUri(text: AsyncIterable<Uint8Array>, staging: Staging): Promise<void> {
  const it = text[Symbol.asyncIterator]();
  let header = '';
  let rest: Uint8Array = new Uint8Array(0);
  const latin1 = new TextDecoder('latin1');
  for (;;) {
    const { value, done } = await it.next();
    if (done) throw badRequest('Invalid data URI: no comma before the payload');
    const s = latin1.decode(value);
    const comma = s.indexOf(',');
    if (comma >= 0) {
      header += s.slice(0, comma + 1);
      rest = value.subarray(comma + 1);
      break;
    }
    header += s;
    if (header.length > MAX_DATA_URI_HEADER) throw badRequest('Invalid data URI: header too long');
  }
  const m = DATA_URI_HEADER.exec(header);
  if (!m) throw badRequest('Invalid data URI');
  async function* payload() {
    if (rest.length) yield rest;
    for (;;) {
      const { value, done } = await it.next();
      if (done) return;
      yield value;
    }
  }
  const decoded = m[3] ? decodeBase64(payload()) : decodePercent(payload());
  for await (const chunk of decoded) await staging.write(chunk);
}

/** The file name without its directory and extension, as Cloudinary reports `original_filename`. */
export const baseName = (filename: string | null) => (filename ? filename.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') : null);

/** The extension of a file name, lower case, if it has one. */
export const extensionOf = (filename: string | null) =>
  filename
    ?.replace(/^.*[\\/]/, '')
    .match(/\.([A-Za-z0-9]{1,10})$/)?.[1]
    ?.toLowerCase() ?? null;
