import { badRequest } from '../../errors';
import type { Raster } from '../raster';
import { reducedSize } from './box-reduce';
import { CodecError, CodecSession, type ModuleExports } from './runtime';

/**
 * PNG decoded row by row in the codec module (wasm/shim/png_rows.c, zlib
 * 1.2.13): the IDAT stream is fed in pieces, each row inflated, unfiltered
 * against the previous one, turned into RGBA and added into a box-reduced
 * image (every `shrink` x `shrink` block averaged, alpha-weighted), so memory
 * follows the width and the reduced size, never the full frame. Interlaced
 * (Adam7) files are read too, through one RGBA frame in the module (their
 * passes complete no row before the last one).
 */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}

const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const tag = (b: Uint8Array, o: number) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);

/** Samples per pixel of each colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function pngHeader(b: Uint8Array): PngHeader | undefined {
  if (b.length < 33 || tag(b, 12) !== 'IHDR') return undefined;
  return { width: u32(b, 16), height: u32(b, 20), bitDepth: b[24], colorType: b[25], interlaced: b[28] === 1 };
}

interface Chunks {
  palette?: Uint8Array;
  transparency?: Uint8Array;
  data: Uint8Array[];
}

function chunks(b: Uint8Array): Chunks {
  const out: Chunks = { data: [] };
  for (let o = 8; o + 12 <= b.length;) {
    const len = u32(b, o);
    const kind = tag(b, o + 4);
    const body = b.subarray(o + 8, Math.min(b.length, o + 8 + len));
    if (kind === 'PLTE') out.palette = body;
    else if (kind === 'tRNS') out.transparency = body;
    else if (kind === 'IDAT') out.data.push(body);
    else if (kind === 'IEND') break;
    o += 12 + len;
  }
  return out;
}

export interface PngRowsExports extends ModuleExports {
  png_rows_open(
    width: number,
    height: number,
    depth: number,
    colorType: number,
    interlaced: number,
    shrink: number,
    plte: number,
    plteLen: number,
    trns: number,
    trnsLen: number,
  ): number;
  png_rows_input(state: number, ptr: number, len: number): void;
  png_rows_step(state: number): number;
  png_rows_row(state: number): number;
  png_rows_close(state: number): void;
}

/** IDAT bytes handed to the module at a time (the buffer it inflates from). */
const PNG_INPUT_CHUNK = 64 * 1024;
/** zlib's inflate state and 32 KB window, and the module's own bookkeeping. */
const INFLATE_BYTES = 64 * 1024;
/** The module's linear memory before any call (`--initial-memory` in scripts/build-wasm.sh: stack, data, first heap). */
const MODULE_INITIAL_BYTES = 2 * 1024 * 1024;

/**
 * The module's linear memory for one decode (a fresh instance): its initial
 * memory, the input buffer, zlib, two filtered rows, one RGBA row, the block sums and
 * the reduced row; an interlaced image adds its whole RGBA frame (Adam7
 * completes no row before the last pass).
 */
export function pngDecodeBytes(h: PngHeader, shrink: number): number {
  const stride = Math.ceil((h.width * (CHANNELS[h.colorType] ?? 4) * h.bitDepth) / 8) + 1;
  const outWidth = Math.ceil(h.width / shrink);
  return (
    MODULE_INITIAL_BYTES +
    PNG_INPUT_CHUNK +
    INFLATE_BYTES +
    2 * stride +
    h.width * 4 +
    outWidth * 40 +
    (h.interlaced ? h.width * h.height * 4 : 0)
  );
}

const STEP = { needInput: 0, row: 1, done: 2 } as const;

/** The module's failures as the 400 a client sees (its messages for bad data are already worded for them). */
function asBadRequest(e: unknown): unknown {
  if (!(e instanceof CodecError)) return e;
  return badRequest(
    /^(Invalid image file|Image too large)/.test(e.message) ? e.message : 'Invalid image file: the PNG data could not be decoded',
  );
}

/**
 * Decodes a PNG reduced by `shrink` (1: full size) in `session` (zlib and the
 * row reader of wasm/shim/png_rows.c): IDAT goes in PNG_INPUT_CHUNK at a time,
 * reduced rows come out one by one into the result. A failure drops the
 * session's instance (CodecSession does) and is a 400.
 */
export function decodePngIn(session: CodecSession<PngRowsExports>, b: Uint8Array, shrink: number): Raster {
  const h = pngHeader(b);
  if (!h || !CHANNELS[h.colorType]) throw INVALID();
  const size = reducedSize(h.width, h.height, shrink);
  const out: Raster = { data: new Uint8Array(size.width * size.height * 4), width: size.width, height: size.height };
  const rowBytes = size.width * 4;
  let y = 0;
  for (const row of moduleRows(session, b, h, shrink)) out.data.set(row, y++ * rowBytes);
  return out;
}

/**
 * The module's rows of `b` reduced by `shrink`, top to bottom, each a view of
 * the module's memory valid until the next is asked for. A failure drops the
 * session's instance and is a 400; so does a generator left early (the row
 * reader's state is not worth closing: the instance goes).
 */
function* moduleRows(session: CodecSession<PngRowsExports>, b: Uint8Array, h: PngHeader, shrink: number): Generator<Uint8Array> {
  const c = chunks(b);
  const rowBytes = reducedSize(h.width, h.height, shrink).width * 4;
  let finished = false;
  try {
    const table = (bytes: Uint8Array | undefined) => (bytes?.length ? session.copyIn(bytes) : 0);
    const plte = table(c.palette);
    const trns = table(c.transparency);
    const state = session.call((x) =>
      x.png_rows_open(
        h.width,
        h.height,
        h.bitDepth,
        h.colorType,
        Number(h.interlaced),
        shrink,
        plte,
        c.palette?.length ?? 0,
        trns,
        c.transparency?.length ?? 0,
      ),
    );
    const input = session.call((x) => x.alloc(PNG_INPUT_CHUNK));
    let part = 0;
    let offset = 0;
    for (;;) {
      const step = session.call((x) => x.png_rows_step(state));
      if (step === STEP.done) break;
      if (step === STEP.row) {
        yield session.call((x) => new Uint8Array(x.memory.buffer, x.png_rows_row(state), rowBytes));
        continue;
      }
      while (part < c.data.length && offset >= c.data[part].length) {
        part++;
        offset = 0;
      }
      if (part >= c.data.length) throw badRequest('Invalid image file: the PNG data ends early');
      const piece = c.data[part].subarray(offset, offset + PNG_INPUT_CHUNK);
      session.call((x) => {
        new Uint8Array(x.memory.buffer, input, piece.length).set(piece);
        x.png_rows_input(state, input, piece.length);
      });
      offset += piece.length;
    }
    session.call((x) => x.png_rows_close(state));
    session.release(input);
    session.release(plte);
    session.release(trns);
    finished = true;
  } catch (e) {
    throw asBadRequest(e);
  } finally {
    // Whatever failed or stopped early (a trap already dropped it), no half-read state is kept.
    if (!finished) session.drop();
  }
}

/** Decodes a PNG (interlaced or not) reduced by `shrink` (1: full size) without ever holding the full frame of a non-interlaced one. */
export async function decodePngReduced(b: Uint8Array, shrink: number): Promise<Raster> {
  const { workerdCodecModule } = await import('./workerd-module');
  const session = new CodecSession<PngRowsExports>(workerdCodecModule());
  try {
    return decodePngIn(session, b, shrink);
  } finally {
    session.drop();
  }
}

const INVALID = () => badRequest('Invalid image file: the PNG data could not be decoded');

/** A PNG that may have transparent pixels: an alpha channel, or a tRNS chunk. */
export function pngHasAlpha(b: Uint8Array): boolean {
  const h = pngHeader(b);
  return !!h && (h.colorType === 4 || h.colorType === 6 || chunks(b).transparency !== undefined);
}

/**
 * The rows of a non-interlaced PNG at full size as 8-bit RGBA, top to
 * bottom, decoded in the codec module one at a time: the same buffer each
 * time (valid until the next row is asked for). What the strip pipeline reads.
 * `measured` gets the module's memory high-water mark when the rows end.
 */
export async function* pngRows(b: Uint8Array, measured?: { wasmBytes: number }): AsyncGenerator<Uint8Array> {
  const h = pngHeader(b);
  if (!h || h.interlaced || !CHANNELS[h.colorType]) throw INVALID();
  const { workerdCodecModule } = await import('./workerd-module');
  const session = new CodecSession<PngRowsExports>(workerdCodecModule());
  try {
    for (const row of moduleRows(session, b, h, 1)) yield row;
    if (measured) measured.wasmBytes = session.peakMemoryBytes;
  } finally {
    session.drop();
  }
}
