import { badRequest } from '../../errors';
import { HEIF_TURNED_ROWS } from '../costs';
import { frameNals, nalType, spsSize, SPS_NAL, type HeifImage, type HeifTile } from '../heif-container';
import type { Raster } from '../raster';
import type { Color } from '../types';
import { BoxReducer } from './box-reduce';
import { CodecError, CodecSession, type ModuleExports } from './runtime';
import { STRIP_ROWS, type Measured, type Strips } from './strips';
import { workerdHeifModule } from './workerd-module';

/**
 * HEIC decoded a row of tiles at a time (phone photos are grids of 512x512
 * HEVC tiles): each tile of the row is decoded by libde265 (heif.wasm) and
 * converted to RGBA into a strip one tile high, whose rows go into a box
 * reduction; then the next row. Only the strip, one coded tile and the
 * reduced image are ever alive, so memory follows the width. A single coded
 * image (no grid) is converted in bands of BAND_ROWS from its one picture.
 * An alpha plane is decoded by a second decoder in the same module (its own
 * picture alive beside the colour's) and written into the A bytes of each
 * strip: one alpha picture for the whole image, or its tiles row by row.
 */
interface HeifExports extends ModuleExports {
  hevc_decode(ptr: number, len: number): number;
  hevc_rows(y0: number, rows: number, dst: number, stride: number, width: number, matrix: number, full: number): void;
  hevc_close(): void;
  hevc_alpha_decode(ptr: number, len: number): number;
  hevc_alpha_rows(y0: number, rows: number, dst: number, stride: number, width: number, premultiplied: number): void;
  hevc_alpha_close(): void;
  rgba_flatten(ptr: number, pixels: number, r: number, g: number, b: number): void;
  rgb_frame_put(frame: number, width: number, y0: number, rows: number, src: number, stride: number): void;
  rgb_frame_turned(
    frame: number,
    width: number,
    height: number,
    orientation: number,
    y0: number,
    rows: number,
    dst: number,
    stride: number,
  ): void;
  jpeg_rows_begin(width: number, height: number, quality: number): void;
  jpeg_rows_write(ptr: number, rows: number, stride: number): void;
  jpeg_rows_end(): number;
}

const BAND_ROWS = 16;

const INVALID = () => badRequest('Invalid image file: the HEIC data could not be decoded');

/** The tile's NAL units framed for the module; every SPS in them is checked against what the budget was charged for. */
function tileStream(input: Uint8Array, tile: HeifTile, maxCoded: { width: number; height: number }): Uint8Array {
  const nals: Uint8Array[] = [];
  for (const { start, end } of tile.extents) {
    if (start >= end || end > input.length) throw badRequest('Invalid image file: the HEIC data ends early');
    for (let o = start; o < end;) {
      let len = 0;
      for (let i = 0; i < tile.lengthSize; i++) len = len * 256 + (input[o + i] ?? 0);
      o += tile.lengthSize;
      if (len === 0 || o + len > end) throw INVALID();
      const nal = input.subarray(o, o + len);
      if (nalType(nal) === SPS_NAL) {
        let s: { width: number; height: number };
        try {
          s = spsSize(nal);
        } catch {
          throw INVALID();
        }
        // A parameter set inside the data may not code a larger picture than the one charged for.
        if (s.width > maxCoded.width || s.height > maxCoded.height) throw INVALID();
      }
      nals.push(nal);
      o += len;
    }
  }
  const data = frameNals(nals);
  const out = new Uint8Array(tile.config.length + data.length);
  out.set(tile.config);
  out.set(data, tile.config.length);
  return out;
}

export interface HeifDecoded {
  img: Raster;
  /** The module's linear memory at its largest (tests and the benchmark compare it with the charge). */
  peakMemoryBytes: number;
}

/** A strip of RGBA rows inside the module: valid until the next is asked for (the pointer must not be kept). */
interface ModuleStrip {
  ptr: number;
  rows: number;
  stride: number;
}

/**
 * The image's RGBA rows, top to bottom, in strips inside the module (a row
 * of tiles, or BAND_ROWS of a single picture), alpha written into A.
 */
function* moduleStrips(session: CodecSession<HeifExports>, input: Uint8Array, image: HeifImage): Generator<ModuleStrip> {
  const maxCoded = image.coded ?? { width: image.tileWidth, height: image.tileHeight };
  const matrix = image.colour?.matrix ?? -1;
  const full = image.colour ? Number(image.colour.fullRange) : -1;
  const { width, height, tileWidth, tileHeight, columns, alpha } = image;
  const stride = width * 4;
  const decode = (tile: HeifTile, limit: { width: number; height: number }, into: 'hevc_decode' | 'hevc_alpha_decode') => {
    const stream = tileStream(input, tile, limit);
    const ptr = session.copyIn(stream);
    const [w, h] = session.results(
      session.call((x) => x[into](ptr, stream.length)),
      2,
    );
    session.release(ptr);
    return { width: w, height: h };
  };
  const decodeTile = (tile: HeifTile) => decode(tile, maxCoded, 'hevc_decode');
  const alphaCoded = alpha && (alpha.coded ?? { width: alpha.tileWidth, height: alpha.tileHeight });
  const decodeAlpha = (index: number, cols: number, rows: number) => {
    if (!alpha || !alphaCoded) return;
    const pic = decode(alpha.tiles[index], alphaCoded, 'hevc_alpha_decode');
    if (pic.width < cols || pic.height < rows) throw INVALID();
  };
  const premultiplied = Number(alpha?.premultiplied ?? false);
  // One alpha picture serves every strip (its rows addressed from the top); a grid's is decoded a row of tiles at a time.
  const wholeAlpha = alpha !== undefined && alpha.columns === 1 && alpha.rows === 1;
  if (wholeAlpha) decodeAlpha(0, width, height);
  const stripRows = columns === 1 ? BAND_ROWS : tileHeight;
  const strip = session.call((x) => x.alloc(stripRows * stride + 1));
  for (let row = 0, y = 0; y < height; row++) {
    const rows = Math.min(tileHeight, height - y);
    if (columns === 1) {
      const pic = decodeTile(image.tiles[row]);
      if (pic.width < width || pic.height < rows) throw INVALID();
      if (alpha && !wholeAlpha) decodeAlpha(row, width, rows);
      for (let b = 0; b < rows; b += BAND_ROWS) {
        const n = Math.min(BAND_ROWS, rows - b);
        session.call((x) => x.hevc_rows(b, n, strip, stride, width, matrix, full));
        if (alpha) session.call((x) => x.hevc_alpha_rows(wholeAlpha ? y + b : b, n, strip, stride, width, premultiplied));
        yield { ptr: strip, rows: n, stride };
      }
    } else {
      for (let c = 0; c < columns; c++) {
        const x0 = c * tileWidth;
        if (x0 >= width) break;
        const cols = Math.min(tileWidth, width - x0);
        const pic = decodeTile(image.tiles[row * columns + c]);
        if (pic.width < cols || pic.height < rows) throw INVALID();
        session.call((x) => x.hevc_rows(0, rows, strip + x0 * 4, stride, cols, matrix, full));
      }
      if (wholeAlpha) session.call((x) => x.hevc_alpha_rows(y, rows, strip, stride, width, premultiplied));
      else if (alpha)
        for (let c = 0; c < alpha.columns; c++) {
          const x0 = c * alpha.tileWidth;
          if (x0 >= width) break;
          const cols = Math.min(alpha.tileWidth, width - x0);
          decodeAlpha(row * alpha.columns + c, cols, rows);
          session.call((x) => x.hevc_alpha_rows(0, rows, strip + x0 * 4, stride, cols, premultiplied));
        }
      yield { ptr: strip, rows, stride };
    }
    session.call((x) => x.hevc_close());
    if (alpha && !wholeAlpha) session.call((x) => x.hevc_alpha_close());
    y += rows;
  }
  session.call((x) => x.hevc_alpha_close());
  session.release(strip);
}

/** A codec failure is the input's: a 400. */
const asBadRequest = (err: unknown) =>
  err instanceof CodecError ? badRequest(err.message.startsWith('Invalid image file') ? err.message : 'Image could not be processed') : err;

/**
 * The primary image at full size as strips of STRIP_ROWS RGBA rows copied
 * out of the module, for the strip pipeline; stored orientation. The module
 * holds one coded tile and one row of tiles (or BAND_ROWS), JS one strip.
 */
export async function* heifStrips(input: Uint8Array, image: HeifImage, measured: Measured): Strips {
  const session = new CodecSession<HeifExports>(workerdHeifModule());
  try {
    const out = new Uint8Array(STRIP_ROWS * image.width * 4);
    for (const { ptr, rows, stride } of moduleStrips(session, input, image)) {
      for (let y = 0; y < rows; y += STRIP_ROWS) {
        const n = Math.min(STRIP_ROWS, rows - y);
        const data = out.subarray(0, n * stride);
        session.call((x) => data.set(new Uint8Array(x.memory.buffer, ptr + y * stride, n * stride)));
        yield { data, width: image.width, height: n };
      }
    }
  } catch (err) {
    throw asBadRequest(err);
  } finally {
    measured.wasmBytes = session.peakMemoryBytes;
    session.drop();
  }
}

/** Runs `work` in a fresh session of the module, let go afterwards; a codec failure becomes a 400. */
function withSession<T>(work: (s: CodecSession<HeifExports>) => T): T {
  const session = new CodecSession<HeifExports>(workerdHeifModule());
  try {
    return work(session);
  } catch (err) {
    throw asBadRequest(err);
  } finally {
    session.drop();
  }
}

/** The primary image reduced by `shrink` (1: full size), stored orientation (irot/imir are the caller's). */
export function decodeHeifReduced(input: Uint8Array, image: HeifImage, shrink: number): HeifDecoded {
  return withSession((session) => {
    const reducer = new BoxReducer(image.width, image.height, shrink);
    for (const { ptr, rows, stride } of moduleStrips(session, input, image))
      session.call((x) => {
        // A view made after the call that filled it: memory may have grown.
        const view = new Uint8Array(x.memory.buffer, ptr, rows * stride);
        for (let r = 0; r < rows; r++) reducer.add(view.subarray(r * stride, (r + 1) * stride));
      });
    reducer.flush();
    return { img: reducer.out, peakMemoryBytes: session.peakMemoryBytes };
  });
}

export interface HeifTranscoded {
  bytes: Uint8Array;
  width: number;
  height: number;
  peakMemoryBytes: number;
}

/**
 * The primary image at full size as a baseline JPEG, strip by strip: each
 * strip of RGBA rows (flattened onto `background` when the image has alpha)
 * goes into libjpeg-turbo's encoder in the same module, so the frame never
 * exists whole. An `orientation` other than 1 (irot/imir) needs the frame: it
 * is stored once as RGB (3 bytes per pixel) and the encoder's rows are
 * gathered from it already turned, HEIF_TURNED_ROWS at a time.
 */
export function transcodeHeifToJpeg(
  input: Uint8Array,
  image: HeifImage,
  quality: number,
  background: Color,
  orientation = 1,
): HeifTranscoded {
  return withSession((session) => {
    const q = Math.max(1, Math.min(100, Math.round(quality)));
    const flatten = (ptr: number, rows: number, stride: number) => {
      if (image.alpha) session.call((x) => x.rgba_flatten(ptr, (rows * stride) / 4, background.r, background.g, background.b));
    };
    const { width, height } = image;
    const turned = orientation >= 5;
    const out = { width: turned ? height : width, height: turned ? width : height };
    if (orientation === 1) {
      session.call((x) => x.jpeg_rows_begin(width, height, q));
      for (const { ptr, rows, stride } of moduleStrips(session, input, image)) {
        flatten(ptr, rows, stride);
        session.call((x) => x.jpeg_rows_write(ptr, rows, stride));
      }
    } else {
      const frame = session.call((x) => x.alloc(width * height * 3));
      let y = 0;
      for (const { ptr, rows, stride } of moduleStrips(session, input, image)) {
        flatten(ptr, rows, stride);
        session.call((x) => x.rgb_frame_put(frame, width, y, rows, ptr, stride));
        y += rows;
      }
      session.call((x) => x.jpeg_rows_begin(out.width, out.height, q));
      const stride = out.width * 4;
      const strip = session.call((x) => x.alloc(HEIF_TURNED_ROWS * stride));
      for (let y0 = 0; y0 < out.height; y0 += HEIF_TURNED_ROWS) {
        const n = Math.min(HEIF_TURNED_ROWS, out.height - y0);
        session.call((x) => x.rgb_frame_turned(frame, width, height, orientation, y0, n, strip, stride));
        session.call((x) => x.jpeg_rows_write(strip, n, stride));
      }
      session.release(strip);
      session.release(frame);
    }
    const [ptr, len] = session.results(
      session.call((x) => x.jpeg_rows_end()),
      2,
    );
    const bytes = session.copyOut(ptr, len);
    return { bytes, width: out.width, height: out.height, peakMemoryBytes: session.peakMemoryBytes };
  });
}
