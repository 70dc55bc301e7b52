import decFactory from '@jsquash/avif/codec/dec/avif_dec.js';
import decWasm from '@jsquash/avif/codec/dec/avif_dec.wasm';
import encFactory from '@jsquash/avif/codec/enc/avif_enc.js';
import encWasm from '@jsquash/avif/codec/enc/avif_enc.wasm';
import { defaultOptions } from '@jsquash/avif/meta.js';
import { initEmscriptenModule } from '@jsquash/avif/utils.js';
import type { Raster } from '../raster';
import { readCodedTile, writeAvifGrid, type CodedTile } from './avif-container';
import { avifGrid, copyTile, type AvifGrid } from './avif-grid';
import { reportResident } from './resident';

/**
 * libavif with dav1d/aom (Squoosh's build, via @jsquash/avif), single
 * threaded. photon cannot read or write AVIF. Each half is loaded on first use.
 */
let decoder: ReturnType<typeof decFactory> | undefined;
let encoder: ReturnType<typeof encFactory> | undefined;

/**
 * A module whose memory grew past this is let go after use (its memory never
 * shrinks; a whole-image encode of 1600x900, as transparent and lossless
 * images still get, leaves the encoder at about 54 MB; a grid stays at its
 * initial 16 MB): the next call loads a fresh one from the compiled module,
 * which costs a few milliseconds.
 */
const RETIRE_BYTES = 24 * 1024 * 1024;
const memoryOf = (m: unknown) => (m as { HEAPU8?: Uint8Array }).HEAPU8?.buffer.byteLength ?? 0;

/** Keeps a small module for the next call, drops a grown one; reports what stays. */
function settle(name: 'avif decoder' | 'avif encoder', m: unknown): boolean {
  const bytes = memoryOf(m);
  const keep = bytes <= RETIRE_BYTES;
  reportResident(name, keep ? bytes : 0, () => {
    if (name === 'avif decoder') decoder = undefined;
    else encoder = undefined;
  });
  return keep;
}

export async function decodeAvif(bytes: Uint8Array): Promise<Raster> {
  decoder ??= initEmscriptenModule(decFactory, decWasm);
  const m = await decoder;
  let out: ReturnType<typeof m.decode>;
  try {
    out = m.decode(bytes, 8);
  } catch (err) {
    // An Emscripten module that aborted stays aborted: the next call loads a fresh one.
    decoder = undefined;
    reportResident('avif decoder', 0, () => undefined);
    throw err;
  }
  if (!settle('avif decoder', m)) decoder = undefined;
  if (!out) throw new Error('AVIF decoding failed');
  return { data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength), width: out.width, height: out.height };
}

/** What an encode wrote and the encoder module's memory after it (a WASM memory never shrinks: its high-water mark). */
export interface AvifOutput {
  bytes: Uint8Array;
  wasmBytes: number;
}

type EncodeOptions = typeof defaultOptions;

const GRID_SPEED = 10;

/** Whether every pixel is opaque: only then is a grid of tiles written (libavif leaves the alpha item out of an opaque tile, so tiles would disagree). */
function isOpaque(img: Raster): boolean {
  const d = img.data;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) return false;
  return true;
}

/** The grid `img` is written as, or undefined when it is encoded whole (one tile's size or less, lossless, transparent, or too thin for a grid). */
export function avifGridOf(img: Raster, lossless: boolean): AvifGrid | undefined {
  const grid = lossless ? undefined : avifGrid(img.width, img.height);
  return grid && grid.columns * grid.rows > 1 && isOpaque(img) ? grid : undefined;
}

/**
 * Lossy opaque images larger than one tile are written as a grid (./avif-grid.ts):
 * each tile is copied out of the raster (edges repeated into the padding of
 * the right and bottom tiles) and encoded in turn, so the module's memory
 * stays at a tile's. Lossless and transparent images are encoded whole.
 * Speed 8 keeps a 400x300 encode to tens of milliseconds; lossless forces 4:4:4 at quality 100.
 * A grid's tiles are encoded at speed 10: measured (bench/avif-memory.mjs) at
 * 1600x900 and 2500x1400 it writes the same bytes at the same PSNR as speed 8
 * (within 1% and 0.1 dB) in less than half the time; on a whole 400x300
 * thumbnail it loses 0.5 dB, so one-tile images keep speed 8.
 */
export async function encodeAvif(img: Raster, quality: number, lossless: boolean): Promise<AvifOutput> {
  encoder ??= initEmscriptenModule(encFactory, encWasm);
  const m = await encoder;
  const options = lossless
    ? { ...defaultOptions, quality: 100, qualityAlpha: -1, subsample: 3, speed: 8, lossless: true }
    : { ...defaultOptions, quality, speed: 8 };
  const grid = avifGridOf(img, lossless);
  let bytes: Uint8Array;
  try {
    bytes = grid
      ? encodeGrid(m.encode.bind(m), img, grid, { ...options, speed: GRID_SPEED })
      : required(m.encode(img.data, img.width, img.height, options));
  } catch (err) {
    // An Emscripten module that aborted stays aborted: the next call loads a fresh one.
    encoder = undefined;
    reportResident('avif encoder', 0, () => undefined);
    throw err;
  }
  const wasmBytes = memoryOf(m);
  if (!settle('avif encoder', m)) encoder = undefined;
  return { bytes, wasmBytes };
}

const required = (out: Uint8Array | null) => {
  if (!out) throw new Error('AVIF encoding failed');
  return out;
};

type Encode = (data: BufferSource, width: number, height: number, options: EncodeOptions) => Uint8Array | null;

function encodeGrid(encode: Encode, img: Raster, grid: AvifGrid, options: EncodeOptions): Uint8Array {
  const { tileWidth: tw, tileHeight: th } = grid;
  const tile = new Uint8Array(tw * th * 4);
  const tiles: CodedTile[] = [];
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.columns; c++) {
      copyTile(img, c * tw, r * th, tw, th, tile);
      tiles.push(readCodedTile(required(encode(tile, tw, th, options))));
    }
  }
  return writeAvifGrid(grid, img.width, img.height, tiles);
}
