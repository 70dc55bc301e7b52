import { badRequest, CldError } from '../../errors';
import { addField, addTextBody, Params, queryFields, type FieldValue } from '../../protocol/params';
import { randomId } from '../../auth/crypto';
import { uploadKey } from '../../storage/keys';
import { boundaryOf, partText, readMultipart, type Part } from './multipart';
import { Staging, StagedFile } from '../../services/upload/staging';
import { looksLikeDataUri, stageDataUri } from '../../services/upload/source';

/** An Upload API request, parsed: its parameters and, when the body carried them, the file's bytes. */
export interface UploadRequest {
  params: Params;
  /** Bytes of a file part or data URI, already counted, hashed and staged. */
  file: StagedFile | null;
  /** The file part's name as the client sent it. */
  filename: string | null;
  /** True when the file part's bytes went to the `directSink` instead of being staged. */
  direct: boolean;
}

export interface ReadOptions {
  bucket: R2Bucket;
  cloud: string;
  /** The largest file accepted, in decoded bytes. */
  maxBytes: number;
  /**
   * Offered the fields that came before a file part: a writer to stream the
   * part into directly (a chunked upload's session, once those fields prove
   * the request genuine), or null to stage it as usual.
   */
  directSink?: (fieldsSoFar: Params) => Promise<Staging | null>;
}

/** The largest non-file field: contexts, eager lists and metadata stay far below this. */
const MAX_FIELD_BYTES = 1024 * 1024;
/** A `file` text field that is not a data URI is a URL. */
const MAX_URL_BYTES = 64 * 1024;
/** Base64 makes 3 bytes into 4 characters; a body may carry a data URI of the largest file plus its fields. */
const bodyAllowance = (maxBytes: number) => Math.ceil((maxBytes * 4) / 3) + 4 * MAX_FIELD_BYTES;

/**
 * Reads the body as it streams in: multipart parts one by one (the file part
 * straight into staging), a data URI decoded on the fly. Urlencoded and JSON
 * bodies are read as text up to the body limit. Nothing is left in R2 when
 * reading fails.
 */
export async function readUploadRequest(req: Request, o: ReadOptions): Promise<UploadRequest> {
  const fields = queryFields(req.url);
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > bodyAllowance(o.maxBytes)) throw badRequest(`File size too large. Got ${declared}. Maximum is ${o.maxBytes}.`);
  if (!req.body) return { params: new Params(fields), file: null, filename: null, direct: false };
  const type = req.headers.get('content-type') ?? '';
  const staging = Staging.start(o.bucket, uploadKey(o.cloud, `s-${randomId()}`), o.maxBytes);
  try {
    if (type.toLowerCase().startsWith('multipart/form-data'))
      return await readMultipartRequest(req.body, boundaryOf(type), fields, staging, o.directSink);
    const text = await boundedText(req.body, bodyAllowance(o.maxBytes), o.maxBytes);
    addTextBody(type, text, fields);
    const file = typeof fields.file === 'string' && /^data:/i.test(fields.file) ? fields.file : null;
    if (!file) return { params: new Params(fields), file: null, filename: null, direct: false };
    delete fields.file;
    await stageDataUri(once(new TextEncoder().encode(file)), staging);
    return { params: new Params(fields), file: await staging.finish(), filename: null, direct: false };
  } catch (err) {
    await staging.abort();
    await discardBody(req);
    if (err instanceof CldError) throw err;
    if (err instanceof SyntaxError || err instanceof TypeError) throw badRequest(`Invalid request body: ${err.message}`);
    throw err;
  }
}

async function readMultipartRequest(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  fields: Record<string, FieldValue>,
  staging: Staging,
  directSink: ReadOptions['directSink'],
): Promise<UploadRequest> {
  let file: StagedFile | null = null;
  let filename: string | null = null;
  let direct = false;
  for await (const part of readMultipart(body, boundary)) {
    if (part.name !== 'file' || file || direct) {
      addField(fields, part.name, await partText(part, MAX_FIELD_BYTES));
      continue;
    }
    if (part.filename !== null) {
      filename = part.filename;
      const sink = directSink ? await directSink(new Params({ ...fields })) : null;
      for await (const chunk of part.chunks()) await (sink ?? staging).write(chunk);
      if (sink) direct = true;
      else file = await staging.finish();
      continue;
    }
    // A text `file` field: a data URI (decoded as it streams) or a URL.
    const { head, chunks } = await peek(part, 5);
    if (looksLikeDataUri(head)) {
      await stageDataUri(chunks, staging);
      file = await staging.finish();
    } else {
      addField(fields, 'file', await textOf(chunks, MAX_URL_BYTES));
    }
  }
  return { params: new Params(fields), file, filename, direct };
}

/** The first `n` bytes of a part, and an iterator that still yields all of them. */
async function peek(part: Part, n: number): Promise<{ head: Uint8Array; chunks: AsyncGenerator<Uint8Array> }> {
  const it = part.chunks();
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
  return { head, chunks: chunks() };
}

async function textOf(chunks: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  let s = '';
  const dec = new TextDecoder();
  for await (const c of chunks) {
    s += dec.decode(c, { stream: true });
    if (s.length > limit) throw badRequest('Parameter file is too long');
  }
  return s + dec.decode();
}

async function boundedText(body: ReadableStream<Uint8Array>, limit: number, maxBytes: number): Promise<string> {
  let s = '';
  let n = 0;
  const dec = new TextDecoder();
  for await (const c of body as unknown as AsyncIterable<Uint8Array>) {
    n += c.length;
    if (n > limit) throw badRequest(`File size too large. Got more than ${limit}. Maximum is ${maxBytes}.`);
    s += dec.decode(c, { stream: true });
  }
  return s + dec.decode();
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
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
