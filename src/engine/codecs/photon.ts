import photonModule from '@cf-wasm/photon/photon.wasm';
import type { Raster } from '../raster';
import type { Rect } from '../geometry';

/**
 * photon (Rust `image` crate in WASM): decodes JPEG, PNG, GIF (first frame)
 * and WebP, resamples, and encodes JPEG, PNG and lossless WebP.
 *
 * We instantiate photon's compiled module ourselves instead of using the
 * package's glue, which keeps one instance for the life of the isolate. A
 * photon failure is a WASM trap that leaves the instance's shadow stack and
 * allocator half-unwound and its memory leaked; and WASM memory never
 * shrinks. So an instance that trapped, or that grew beyond RETIRE_BYTES, is
 * dropped (the grown one once idle, see photonRelease) and the next call gets
 * a fresh one. Handles remember the instance they belong to, so requests still
 * running on a retired instance finish on it.
 */
type Exports = {
  memory: WebAssembly.Memory;
  __wbindgen_externrefs: WebAssembly.Table;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
  __wbindgen_start(): void;
  __wbg_photonimage_free(ptr: number, flag: number): void;
  photonimage_new(ptr: number, len: number, width: number, height: number): number;
  photonimage_new_from_byteslice(ptr: number, len: number): number;
  photonimage_get_width(ptr: number): number;
  photonimage_get_height(ptr: number): number;
  photonimage_get_raw_pixels(ptr: number): [number, number];
  photonimage_get_bytes(ptr: number): [number, number];
  photonimage_get_bytes_jpeg(ptr: number, quality: number): [number, number];
  photonimage_get_bytes_webp(ptr: number): [number, number];
  crop(ptr: number, x1: number, y1: number, x2: number, y2: number): number;
  resize(ptr: number, width: number, height: number, filter: number): number;
};

/** photon's SamplingFilter values. */
const TRIANGLE = 2;
const CATMULL_ROM = 3;

/**
 * The image crate's filters widen with the scale factor, so the tent filter
 * is a proper (area-like) reduction for large downscales at a third of
 * Lanczos3's cost; Catmull-Rom keeps small changes and enlargements sharp.
 */
const filterFor = (fromPixels: number, toPixels: number) => (fromPixels >= 4 * toPixels ? TRIANGLE : CATMULL_ROM);

/** An instance whose memory grew past this is retired after use (a 7 MP decode takes ~100 MB). */
const RETIRE_BYTES = 48 * 1024 * 1024;

export class PhotonTrap extends Error {}

class Instance {
  readonly x: Exports;
  broken = false;

  constructor(module: WebAssembly.Module) {
    const imports: Record<string, (...args: unknown[]) => unknown> = {};
    for (const imp of WebAssembly.Module.imports(module)) imports[imp.name] = importFor(imp.name, this);
    const instance = new WebAssembly.Instance(module, { './photon_rs_bg.js': imports });
    this.x = instance.exports as unknown as Exports;
    this.x.__wbindgen_start();
  }

  bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, ptr, len);
  }

  /** Copies bytes into WASM memory; photon takes ownership of the buffer (a Rust Vec<u8>). */
  pass(data: Uint8Array): [number, number] {
    const ptr = this.x.__wbindgen_malloc(data.length, 1) >>> 0;
    this.bytes(ptr, data.length).set(data);
    return [ptr, data.length];
  }

  /** Copies a returned Vec<u8> out of WASM memory and frees it there. */
  take([ptr, len]: [number, number]): Uint8Array {
    const out = this.bytes(ptr >>> 0, len >>> 0).slice();
    this.x.__wbindgen_free(ptr, len, 1);
    return out;
  }

  string(ptr: number, len: number): string {
    return new TextDecoder().decode(this.bytes(ptr >>> 0, len >>> 0));
  }
}

/** The few imports photon's decode/resize/encode paths call; every other import (browser canvas glue) fails loudly. */
function importFor(name: string, inst: Instance): (...args: unknown[]) => unknown {
  if (name === '__wbindgen_init_externref_table') {
    return () => {
      const table = inst.x.__wbindgen_externrefs;
      const offset = table.grow(4);
      table.set(0, undefined);
      table.set(offset, undefined);
      table.set(offset + 1, null);
      table.set(offset + 2, true);
      table.set(offset + 3, false);
    };
  }
  if (name.startsWith('__wbg___wbindgen_throw_'))
    return (ptr, len) => {
      throw new PhotonTrap(inst.string(ptr as number, len as number));
    };
  return () => {
    throw new PhotonTrap(`photon called ${name}, which is not available here`);
  };
}

let current: Instance | undefined;
/** Instances created so far (tests read it to see a trapped instance replaced). */
export const photonStats = { instances: 0 };

function instance(): Instance {
  if (!current || current.broken) {
    if (current && !live.get(current)) live.delete(current);
    current = new Instance(photonModule);
    photonStats.instances++;
  }
  return current;
}

/** Runs one photon call; a trap or a thrown import marks the instance broken so no later call uses it. */
function call<T>(inst: Instance, run: (x: Exports) => T): T {
  if (inst.broken) throw new PhotonTrap('photon instance was retired after a failure');
  try {
    return run(inst.x);
  } catch (err) {
    inst.broken = true;
    throw err instanceof PhotonTrap ? err : new PhotonTrap(err instanceof Error ? err.message : String(err));
  }
}

/** Live images per instance, so a grown instance is dropped only once nothing uses it. */
const live = new Map<Instance, number>();

export class PhotonHandle {
  constructor(
    readonly inst: Instance,
    private ptr: number,
  ) {
    live.set(inst, (live.get(inst) ?? 0) + 1);
  }

  get width(): number {
    return call(this.inst, (x) => x.photonimage_get_width(this.raw()) >>> 0);
  }

  get height(): number {
    return call(this.inst, (x) => x.photonimage_get_height(this.raw()) >>> 0);
  }

  raw(): number {
    if (!this.ptr) throw new PhotonTrap('photon image already freed');
    return this.ptr;
  }

  free(): void {
    if (!this.ptr) return;
    const ptr = this.ptr;
    this.ptr = 0;
    live.set(this.inst, (live.get(this.inst) ?? 1) - 1);
    if (!this.inst.broken) call(this.inst, (x) => x.__wbg_photonimage_free(ptr, 0));
  }
}

/**
 * Called when a request's work is done: drops the current instance if it is
 * idle and its memory grew beyond RETIRE_BYTES (or it broke), so a large
 * decode does not pin its memory for the isolate's lifetime.
 */
export function photonRelease(): void {
  const inst = current;
  if (!inst || (live.get(inst) ?? 0) > 0) return;
  if (inst.broken || inst.x.memory.buffer.byteLength > RETIRE_BYTES) {
    live.delete(inst);
    current = undefined;
  }
}

const track = (inst: Instance, ptr: number) => new PhotonHandle(inst, ptr);

export function photonDecode(bytes: Uint8Array): PhotonHandle {
  const inst = instance();
  return track(
    inst,
    call(inst, (x) => x.photonimage_new_from_byteslice(...inst.pass(bytes))),
  );
}

export function photonFromRaster(r: Raster): PhotonHandle {
  const inst = instance();
  return track(
    inst,
    call(inst, (x) => x.photonimage_new(...inst.pass(r.data), r.width, r.height)),
  );
}

export const photonSize = (img: PhotonHandle) => ({ width: img.width, height: img.height });

export function photonToRaster(img: PhotonHandle): Raster {
  const data = call(img.inst, (x) => img.inst.take(x.photonimage_get_raw_pixels(img.raw())));
  return { data, width: img.width, height: img.height };
}

/** Crops then resamples into a new image; `img` itself is left as it is. */
export function photonCropResize(img: PhotonHandle, region: Rect, width: number, height: number): PhotonHandle {
  const { width: W, height: H } = photonSize(img);
  const inst = img.inst;
  const whole = region.x === 0 && region.y === 0 && region.width === W && region.height === H;
  const cropped = whole
    ? undefined
    : track(
        inst,
        call(inst, (x) => x.crop(img.raw(), region.x, region.y, region.x + region.width, region.y + region.height)),
      );
  const source = cropped ?? img;
  if (source.width === width && source.height === height)
    return (
      cropped ??
      track(
        inst,
        call(inst, (x) => x.crop(img.raw(), 0, 0, W, H)),
      )
    );
  try {
    const filter = filterFor(source.width * source.height, width * height);
    return track(
      inst,
      call(inst, (x) => x.resize(source.raw(), width, height, filter)),
    );
  } finally {
    cropped?.free();
  }
}

/** A cheap resample (for analysis thumbnails, not for output). */
export function photonResizeFast(img: PhotonHandle, width: number, height: number): PhotonHandle {
  return track(
    img.inst,
    call(img.inst, (x) => x.resize(img.raw(), width, height, TRIANGLE)),
  );
}

export const photonEncodePng = (img: PhotonHandle) => call(img.inst, (x) => img.inst.take(x.photonimage_get_bytes(img.raw())));
export const photonEncodeWebpLossless = (img: PhotonHandle) =>
  call(img.inst, (x) => img.inst.take(x.photonimage_get_bytes_webp(img.raw())));

/** Lets the current instance go if no image lives in it (when a request needs its memory). */
export function photonDropIdle(): void {
  const inst = current;
  if (!inst || (live.get(inst) ?? 0) > 0) return;
  live.delete(inst);
  current = undefined;
}

/** Bytes of linear memory of the current instance (the benchmark reads it for peak memory). */
export const photonMemoryBytes = () => current?.x.memory.buffer.byteLength ?? 0;
