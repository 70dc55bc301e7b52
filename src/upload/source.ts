import { badRequest } from '../errors';
import type { Params } from '../http/params';

/** The bytes of an upload and what the client said about them. */
export interface UploadSource {
  bytes: Uint8Array;
  filename: string | null;
}

/** `data:<mime>[;param=v]*;base64,<payload>` (spec §7.1). */
const DATA_URI = /^data:([\w/+.-]*)((?:;[\w-]+=[^;,]*)*)(;base64)?,/i;

export async function readUploadSource(params: Params): Promise<UploadSource> {
  if (params.file) {
    const bytes = new Uint8Array(await params.file.arrayBuffer());
    return { bytes, filename: params.file.name || null };
  }
  const file = params.string('file');
  if (!file) throw badRequest('Missing required parameter - file');
  const m = DATA_URI.exec(file);
  if (m) {
    const payload = file.slice(m[0].length);
    if (!m[3]) return { bytes: new TextEncoder().encode(decodeURIComponent(payload)), filename: null };
    try {
      const bin = atob(payload.replace(/\s+/g, ''));
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return { bytes, filename: null };
    } catch {
      throw badRequest('Invalid data URI: malformed base64');
    }
  }
  if (/^(s3|gs|ftp):/i.test(file)) throw badRequest(`Uploading from ${file.split(':')[0]} URLs is not supported`);
  if (/^https?:/i.test(file)) throw badRequest('Uploading from a remote URL is not supported yet');
  throw badRequest(`Invalid file parameter: not a file, a data URI or a URL`);
}

/** The file name without its extension, as Cloudinary reports `original_filename`. */
export const baseName = (filename: string | null) => (filename ? filename.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') : null);
