/**
 * The codec module (src/engine/codecs/wasm/codecs.wasm: libjpeg-turbo, libwebp, Little CMS
 * and our Lanczos-3 resampler) and the sessions that run it.
 *
 * Where the compiled module comes from is injected: under workerd it is
 * imported at build time (see ./workerd-module.ts), in Node the benchmark
 * compiles the same file from disk. Nothing here touches a Workers global.
 */
export type CodecModuleSource = () => WebAssembly.Module | Promise<WebAssembly.Module>;

/** A clean failure of a codec (bad or hostile input, or a budget exceeded). */
export class CodecError extends Error {
  override name = 'CodecError';
}

/** What every module of ours exports (codecs.wasm and heif.wasm): memory, allocation and the error text. */
export interface ModuleExports {
  memory: WebAssembly.Memory;
  codec_error(): number;
  alloc(size: number): number;
  release(ptr: number): void;
}

export interface CodecExports extends ModuleExports {
  jpeg_info(ptr: number, len: number): number;
  jpeg_decode(ptr: number, len: number, denom: number, channels: number, maxPixels: number, maxMemory: number): number;
  jpeg_encode(ptr: number, width: number, height: number, channels: number, quality: number, progressive: number): number;
  webp_encode(ptr: number, width: number, height: number, channels: number, quality: number, consume: number): number;
  jpeg_transcode(
    ptr: number,
    len: number,
    denom: number,
    target: number,
    quality: number,
    progressive: number,
    optimize: number,
    maxMemory: number,
    orientation: number,
  ): number;
  webp_decode(ptr: number, len: number, width: number, height: number): number;
  icc_is_srgb(ptr: number, len: number): number;
  icc_profile_kind(ptr: number, len: number): number;
  icc_rows_to_srgb(icc: number, iccLen: number, pixels: number, count: number, channels: number): number;
  srgb_profile(): number;
  resize(ptr: number, stride: number, sx: number, sy: number, sw: number, sh: number, dw: number, dh: number, channels: number): number;
}

/**
 * libc's stdio (and lcms's file I/O) is linked but never reached: every WASI
 * import the module names answers EBADF if it ever is, and exiting throws.
 */
const EBADF = 8;
function wasiStubs(module: WebAssembly.Module): WebAssembly.Imports {
  const wasi: Record<string, () => number> = {};
  for (const i of WebAssembly.Module.imports(module)) if (i.module === 'wasi_snapshot_preview1') wasi[i.name] = () => EBADF;
  wasi.proc_exit = () => {
    throw new CodecError('codec exited');
  };
  return { wasi_snapshot_preview1: wasi };
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Decoded pixels living inside a session's WASM memory (3 or 4 bytes per pixel). */
export interface Pixels {
  readonly ptr: number;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  /** The session's instance generation the pointer belongs to. */
  readonly generation: number;
}

/**
 * One WASM instance with its own linear memory. The C side reports an error
 * by trapping: the session reads the message, throws a CodecError and drops
 * the instance, so the next call starts from a fresh one and no half-freed
 * state survives. Linear memory never shrinks, so a request opens its own
 * session and lets it go when done: its memory goes with it.
 */
export class CodecSession<X extends ModuleExports = CodecExports> {
  private instance: X | undefined;
  private generation = 0;
  private peak = 0;

  constructor(private readonly module: WebAssembly.Module) {}

  static async open(source: CodecModuleSource): Promise<CodecSession> {
    return new CodecSession(await source());
  }

  private up(): X {
    if (!this.instance) {
      const inst = new WebAssembly.Instance(this.module, wasiStubs(this.module));
      this.instance = inst.exports as unknown as X;
    }
    return this.instance;
  }

  /** Runs one C call; a trap becomes a CodecError carrying the C side's message. */
  call<T>(run: (x: X) => T): T {
    const x = this.up();
    try {
      return run(x);
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError)) throw e;
      const message = this.readString(x, x.codec_error());
      this.drop();
      throw new CodecError(message || `codec failed: ${e.message}`);
    } finally {
      this.peak = Math.max(this.peak, x.memory.buffer.byteLength);
    }
  }

  /** Bytes into WASM memory (with the spare byte the resampler's four-byte loads need). */
  copyIn(bytes: Uint8Array): number {
    return this.call((x) => {
      const ptr = x.alloc(bytes.length + 1);
      new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
      return ptr;
    });
  }

  /** A JS copy of `len` bytes at `ptr`. */
  copyOut(ptr: number, len: number): Uint8Array {
    return this.call((x) => new Uint8Array(x.memory.buffer, ptr, len).slice());
  }

  /** Reads `count` int32 results the C side left at `ptr`. */
  results(ptr: number, count: number): number[] {
    return this.call((x) => Array.from(new Int32Array(x.memory.buffer, ptr, count)));
  }

  release(ptr: number): void {
    if (ptr) this.call((x) => x.release(ptr));
  }

  pixels(ptr: number, width: number, height: number, channels: 3 | 4): Pixels {
    return { ptr, width, height, channels, generation: this.generation };
  }

  /** Pixels from an earlier instance (one that trapped) are gone. */
  check(p: Pixels): void {
    if (p.generation !== this.generation || !this.instance) throw new CodecError('pixels belong to a failed codec call');
  }

  free(p: Pixels): void {
    if (p.generation === this.generation && this.instance) this.release(p.ptr);
  }

  /** RGBA pixels from JS (e.g. photon's output) into the session. */
  fromRgba(data: Uint8Array, width: number, height: number): Pixels {
    if (data.length !== width * height * 4) throw new CodecError('RGBA buffer does not match its size');
    return this.pixels(this.copyIn(data), width, height, 4);
  }

  /** A JS RGBA copy of the pixels, or of a rectangle of them inside the image (alpha 255 added to RGB). */
  toRgba(p: Pixels, r: Rect = { x: 0, y: 0, width: p.width, height: p.height }): Uint8Array {
    this.check(p);
    const c = p.channels;
    const all = this.call((x) => new Uint8Array(x.memory.buffer, p.ptr, p.width * p.height * c));
    const out = new Uint8Array(r.width * r.height * 4);
    for (let y = 0; y < r.height; y++) {
      const start = ((r.y + y) * p.width + r.x) * c;
      const src = all.subarray(start, start + r.width * c);
      const o = y * r.width * 4;
      if (c === 4) {
        out.set(src, o);
        continue;
      }
      for (let i = 0, j = o; i < src.length; i += 3, j += 4) {
        out[j] = src[i];
        out[j + 1] = src[i + 1];
        out[j + 2] = src[i + 2];
        out[j + 3] = 255;
      }
    }
    return out;
  }

  /** Whether an instance is up (false after a trap or drop until the next call). */
  get live(): boolean {
    return this.instance !== undefined;
  }

  /** The instance's linear memory now (0 when none is up). */
  get memoryBytes(): number {
    return this.instance?.memory.buffer.byteLength ?? 0;
  }

  /** The largest the instance's linear memory has been (it never shrinks). */
  get peakMemoryBytes(): number {
    return Math.max(this.peak, this.instance?.memory.buffer.byteLength ?? 0);
  }

  /** Lets the instance (and its memory) go; the next call starts a fresh one. */
  drop(): void {
    this.instance = undefined;
    this.generation++;
  }

  private readString(x: X, ptr: number): string {
    const bytes = new Uint8Array(x.memory.buffer, ptr, 200);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end));
  }
}
