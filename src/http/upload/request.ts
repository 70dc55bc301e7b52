import { badRequest } from '../../errors';
import { Params, queryFields } from '../../protocol/params';
import { bodyKind, FIELD_LIMITS, readBodyFields, type BodyFile } from '../../protocol/body/fields';
import { randomId } from '../../auth/crypto';
import { uploadKey } from '../../storage/keys';
import { Staging, StagedFile, type MultipartLedger } from '../../services/upload/staging';
import { stageDataUri } from '../../services/upload/source';

/** An Upload API request, parsed: its parameters and, when the body carried them, the file's bytes. */
export interface UploadRequest {
  params: Params;
  /** Bytes of a file part or data URI, already counted, hashed and staged. */
  file: StagedFile | null;
  /** The file part's name as the client sent it. */
  filename: string | null;
  /** True when the file's bytes went to the sink `beforeFile` gave instead of being staged. */
  direct: boolean;
}

export interface ReadOptions {
  bucket: R2Bucket;
  cloud: string;
  /** The largest file accepted, in decoded bytes. */
  maxBytes: number;
  /** Records staging multipart uploads, so the sweep can abort those a dying request leaves. */
  ledger?: MultipartLedger;
  /**
   * Called when the file starts, with the fields that came before it: throws
   * to refuse the request before any byte is staged, returns a writer to
   * stream the file into (a chunked upload's session), or null to stage it.
   */
  beforeFile: (fieldsSoFar: Params) => Promise<Staging | null>;
}

/** Part headers and boundaries around the fields of a multipart body. */
const FRAMING_BYTES = 1024 * 1024;

/**
 * The most body bytes a request may carry: the file plus the fields. A data
 * URI (urlencoded or JSON) is Base64, 4 characters for 3 bytes, and its
 * `+`, `/` and `=` may be percent-encoded (about 6% more); a multipart file
 * part is the bytes themselves.
 */
function bodyAllowance(contentType: string, maxBytes: number): number {
  const file = bodyKind(contentType) === 'multipart' ? maxBytes : Math.ceil(((maxBytes * 4) / 3) * 1.1);
  return file + FIELD_LIMITS.maxTotalBytes + FRAMING_BYTES;
}

/**
 * Reads the body as it streams in, whatever its encoding: the fields within
 * their limits, the file (a multipart file part, or a data URI in a
 * multipart, urlencoded or JSON body) straight into staging, decoded on the
 * fly. `beforeFile` decides, from the fields before it, whether the file may
 * be read at all. Nothing is left in R2 when reading fails.
 */
export async function readUploadRequest(req: Request, o: ReadOptions): Promise<UploadRequest> {
  const fields = queryFields(req.url);
  const type = req.headers.get('content-type') ?? '';
  const allowance = bodyAllowance(type, o.maxBytes);
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > allowance) throw badRequest(`File size too large. Got ${declared}. Maximum is ${o.maxBytes}.`);
  const result: UploadRequest = { params: new Params(fields), file: null, filename: null, direct: false };
  if (!req.body) return result;
  // The staging writer of this request, once the file starts (none when the file goes to a sink).
  const staged: { writer: Staging | null } = { writer: null };
  const onFile = async (file: BodyFile, fieldsSoFar: typeof fields) => {
    const sink = await o.beforeFile(new Params({ ...fieldsSoFar }));
    const writer = sink ?? (staged.writer = Staging.start(o.bucket, uploadKey(o.cloud, `s-${randomId()}`), o.maxBytes, o.ledger));
    if (file.dataUri) await stageDataUri(file.chunks, writer);
    else for await (const chunk of file.chunks) await writer.write(chunk);
    result.filename = file.filename;
    if (sink) result.direct = true;
    else result.file = await writer.finish();
  };
  try {
    await readBodyFields(req.body, type, fields, {
      onFile,
      maxBodyBytes: allowance,
      tooLarge: () => badRequest(`File size too large. Got more than ${allowance}. Maximum is ${o.maxBytes}.`),
    });
    return result;
  } catch (err) {
    await staged.writer?.abort();
    await result.file?.discard();
    throw err;
  }
}

/** Past this, an unread body is cut off rather than read to its end. */
const DRAIN_LIMIT = 8 * 1024 * 1024;

/**
 * Reads what is left of a body that will not be used, so the client sees the
 * error answer instead of a reset connection, and a kept-alive connection is
 * clean for its next request. A very large remainder is cut off.
 */
export async function discardBody(req: Request): Promise<void> {
  const body = req.body;
  if (!body || body.locked) return;
  // A body declared longer than the drain would read is cut off at once: waiting for it helps nobody.
  if (Number(req.headers.get('content-length') ?? 0) > DRAIN_LIMIT) return void body.cancel().catch(() => undefined);
  const reader = body.getReader();
  try {
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      n += value.length;
      if (n > DRAIN_LIMIT) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // the client went away: nothing left to read
  } finally {
    reader.releaseLock();
  }
}
