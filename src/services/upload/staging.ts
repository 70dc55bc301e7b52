import { badRequest } from '../../errors';
import { toHex } from '../../auth/crypto';
import { concat } from '../../engine/bytes';
import { SNIFF_BYTES } from '../../engine/sniff';

/**
 * R2 multipart parts: at least 5 MiB except the last, and all but the last of
 * one size. Incoming bytes are cut into parts of exactly this size, so memory
 * per upload stays near one part whatever the file size or client chunk size.
 */
export const PART_SIZE = 5 * 1024 * 1024;
/** How many trailing bytes are kept to check that a file is complete (EOI, IEND...). */
const TAIL_BYTES = 64;

/** What a staging writer persists between the requests of a chunked upload. */
export interface StagingState {
  key: string;
  uploadId: string | null;
  parts: R2UploadedPart[];
  /** Bytes received so far, including the tail. */
  bytes: number;
  /** Bytes held in the `<key>.tail` object: received but not yet a whole part. */
  tailBytes: number;
}

/**
 * Where a staging writer records the R2 multipart uploads it starts and
 * ends, so the abandoned-upload sweep can abort those a request that died
 * mid-way leaves behind (R2 lists no incomplete multipart uploads).
 */
export interface MultipartLedger {
  started(key: string, uploadId: string): Promise<void>;
  ended(key: string): Promise<void>;
}

/**
 * A received file: its size, MD5 and first and last bytes, with the bytes
 * either in memory (smaller than one part) or in a staging object in R2.
 */
export class StagedFile {
  constructor(
    private readonly bucket: R2Bucket,
    readonly bytes: number,
    readonly md5: string,
    readonly head: Uint8Array,
    readonly tail: Uint8Array,
    readonly memory: Uint8Array | null,
    readonly key: string | null,
  ) {}

  /** The bytes, as a buffer when small or a stream from R2. */
  async body(): Promise<Uint8Array | ReadableStream<Uint8Array>> {
    if (this.memory) return this.memory;
    const obj = await this.bucket.get(this.key!);
    if (!obj) throw new Error(`staged object ${this.key} vanished`);
    return obj.body;
  }

  /** All bytes in memory (for decoders that need them whole; callers check the size limits first). */
  async buffer(): Promise<Uint8Array> {
    if (this.memory) return this.memory;
    return new Uint8Array(await new Response(await this.body()).arrayBuffer());
  }

  async discard(): Promise<void> {
    if (this.key) await this.bucket.delete(this.key);
  }

  static async fromMemory(bucket: R2Bucket, bytes: Uint8Array): Promise<StagedFile> {
    const md5 = toHex(new Uint8Array(await crypto.subtle.digest('MD5', bytes)));
    return new StagedFile(
      bucket,
      bytes.length,
      md5,
      bytes.subarray(0, SNIFF_BYTES),
      bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)),
      bytes,
      null,
    );
  }

  /** Reads a stored object once to learn what streaming could not (chunked uploads span requests). */
  static async fromObject(bucket: R2Bucket, key: string): Promise<StagedFile> {
    const obj = await bucket.get(key);
    if (!obj) throw new Error(`staged object ${key} vanished`);
    const digest = new crypto.DigestStream('MD5');
    const writer = digest.getWriter();
    const head = new Head();
    const tail = new Tail();
    for await (const chunk of obj.body as unknown as AsyncIterable<Uint8Array>) {
      head.add(chunk);
      tail.add(chunk);
      await writer.write(chunk);
    }
    await writer.close();
    return new StagedFile(bucket, obj.size, toHex(new Uint8Array(await digest.digest)), head.bytes(), tail.bytes(), null, key);
  }
}

class Head {
  private pieces: Uint8Array[] = [];
  private n = 0;
  add(chunk: Uint8Array) {
    if (this.n >= SNIFF_BYTES) return;
    const take = chunk.subarray(0, SNIFF_BYTES - this.n);
    this.pieces.push(take.slice());
    this.n += take.length;
  }
  bytes(): Uint8Array {
    return concat(this.pieces, this.n);
  }
}

class Tail {
  private last = new Uint8Array(0);
  add(chunk: Uint8Array) {
    // Only the chunk's own last bytes can end up in the tail: the rest of a large chunk is not copied.
    const end = chunk.subarray(Math.max(0, chunk.length - TAIL_BYTES));
    const both = concat([this.last, end], this.last.length + end.length);
    this.last = both.slice(Math.max(0, both.length - TAIL_BYTES));
  }
  bytes(): Uint8Array {
    return this.last;
  }
}

/**
 * Writes incoming bytes to R2 as they arrive: small files stay in memory,
 * larger ones go out part by part through an R2 multipart upload. The size
 * limit is enforced while counting, so an oversize body is refused before it
 * is all read.
 */
export class Staging {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private mpu: R2MultipartUpload | null = null;
  private readonly parts: R2UploadedPart[];
  private bytes: number;
  /** Hashing while streaming only works when this writer saw every byte. */
  private readonly digest: DigestStream | null;
  private readonly digestWriter: WritableStreamDefaultWriter<ArrayBufferView> | null;
  private readonly head = new Head();
  private readonly tail = new Tail();

  private constructor(
    private readonly bucket: R2Bucket,
    readonly key: string,
    private readonly limit: number,
    state: StagingState | null,
    private readonly ledger: MultipartLedger | null,
  ) {
    this.parts = state ? [...state.parts] : [];
    this.bytes = state?.bytes ?? 0;
    if (state?.uploadId) this.mpu = bucket.resumeMultipartUpload(key, state.uploadId);
    this.digest = state ? null : new crypto.DigestStream('MD5');
    this.digestWriter = this.digest ? this.digest.getWriter() : null;
  }

  static start(bucket: R2Bucket, key: string, limit: number, ledger?: MultipartLedger): Staging {
    return new Staging(bucket, key, limit, null, ledger ?? null);
  }

  /** Continues a chunked upload: the tail object's bytes become pending again. */
  static async resume(bucket: R2Bucket, state: StagingState, limit: number): Promise<Staging> {
    const s = new Staging(bucket, state.key, limit, state, null);
    if (state.tailBytes) {
      const tail = await bucket.get(tailKey(state.key));
      if (!tail || tail.size !== state.tailBytes) throw badRequest('Chunked upload state was lost; start the upload again');
      const bytes = new Uint8Array(await tail.arrayBuffer());
      s.pending.push(bytes);
      s.pendingBytes = bytes.length;
    }
    return s;
  }

  get received(): number {
    return this.bytes;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (!chunk.length) return;
    this.bytes += chunk.length;
    if (this.bytes > this.limit) throw badRequest(`File size too large. Got more than ${this.limit}. Maximum is ${this.limit}.`);
    this.head.add(chunk);
    this.tail.add(chunk);
    if (this.digestWriter) await this.digestWriter.write(chunk);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= PART_SIZE) await this.flushPart(PART_SIZE);
  }

  private take(n: number): Uint8Array {
    // A chunk that is exactly the part (an archive's part buffer) goes out as it is, not copied.
    if (this.pending[0]?.length === n) {
      this.pendingBytes -= n;
      return this.pending.shift()!;
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const p = this.pending[0];
      const want = n - o;
      if (p.length <= want) {
        out.set(p, o);
        o += p.length;
        this.pending.shift();
      } else {
        out.set(p.subarray(0, want), o);
        this.pending[0] = p.subarray(want);
        o += want;
      }
    }
    this.pendingBytes -= n;
    return out;
  }

  private async flushPart(n: number): Promise<void> {
    if (!this.mpu) {
      this.mpu = await this.bucket.createMultipartUpload(this.key);
      await this.ledger?.started(this.key, this.mpu.uploadId);
    }
    const body = this.take(n);
    this.parts.push(await this.mpu.uploadPart(this.parts.length + 1, body));
  }

  /** Saves what is not yet a whole part and returns the state to resume from. */
  async suspend(): Promise<StagingState> {
    const tailBytes = this.pendingBytes;
    if (tailBytes) await this.bucket.put(tailKey(this.key), this.take(tailBytes));
    else await this.bucket.delete(tailKey(this.key));
    return { key: this.key, uploadId: this.mpu?.uploadId ?? null, parts: this.parts, bytes: this.bytes, tailBytes };
  }

  /** All bytes are in: completes the multipart upload (or keeps a small file in memory). */
  async finish(): Promise<StagedFile> {
    const resumed = !this.digest;
    if (resumed) await this.bucket.delete(tailKey(this.key));
    if (!this.mpu) return StagedFile.fromMemory(this.bucket, this.take(this.pendingBytes));
    if (this.pendingBytes) await this.flushPart(this.pendingBytes);
    await this.mpu.complete(this.parts);
    await this.ledger?.ended(this.key);
    if (resumed) return StagedFile.fromObject(this.bucket, this.key);
    await this.digestWriter!.close();
    const md5 = toHex(new Uint8Array(await this.digest!.digest));
    return new StagedFile(this.bucket, this.bytes, md5, this.head.bytes(), this.tail.bytes(), null, this.key);
  }

  /** Gives up: nothing of this upload stays in R2. */
  async abort(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
    await Promise.allSettled([this.mpu?.abort(), this.bucket.delete(tailKey(this.key))]);
    // Giving up must not fail: a record left behind only makes the sweep abort an upload that is gone.
    await this.ledger?.ended(this.key).catch(() => undefined);
  }

  /** The multipart upload is now recorded elsewhere (a chunked upload's session): the ledger lets go of it. */
  async handOver(): Promise<void> {
    await this.ledger?.ended(this.key);
  }
}

const tailKey = (key: string) => `${key}.tail`;

/** Aborts a persisted multipart upload and its tail (clean-up of abandoned chunked uploads). */
export async function discardState(bucket: R2Bucket, state: StagingState): Promise<void> {
  const tasks: Promise<unknown>[] = [bucket.delete(tailKey(state.key)), bucket.delete(state.key)];
  if (state.uploadId) tasks.push(bucket.resumeMultipartUpload(state.key, state.uploadId).abort());
  await Promise.allSettled(tasks);
}
