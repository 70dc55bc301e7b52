import { encodeJpegRgba, encodeWebpRgba } from './codecs/pipeline';
import { photonEncodeWebpLossless, photonFromRaster, type PhotonHandle } from './codecs/photon';
import { writeJpegMetadata, writePngIcc, type CarriedMetadata } from './metadata';
import type { Resolved } from './negotiate';
import { flatten, hasAlpha, type Raster } from './raster';
import type { Color, Effect, FlagName, OutputFormat } from './types';
import { badRequest } from '../errors';
import { avifWholeExtraBytes, webpAlphaExtraBytes } from './costs';

export interface EncodeInput {
  img: Raster;
  resolved: Resolved;
  flags: ReadonlySet<FlagName>;
  /** Behind transparent pixels when the format has no alpha. */
  background: Color;
  /** What the source carries over (see metadata.ts); already filtered by the flags. */
  metadata: CarriedMetadata;
  /** The plan's last `e_vectorize`: what SVG output traces (SVG needs one). */
  vector?: Effect;
  /** Charges the request's memory budget before an encoder allocates `bytes` beyond its per-pixel cost (PNG's output as it grows). */
  charge?: (bytes: number) => void;
  /** Told the codec module's memory high-water mark where an encoder measures it (JPEG in strips). */
  measured?: (wasmBytes: number) => void;
}

type Encoder = (e: EncodeInput) => Promise<Uint8Array>;

/** fl_png8: the palette indices, the filtered rows and the compressed output, per pixel. */
const PNG8_BYTES = 3;

function withPhoton<T>(img: Raster, run: (p: PhotonHandle) => T): T {
  const p = photonFromRaster(img);
  try {
    return run(p);
  } finally {
    p.free();
  }
}

/**
 * One encoder per output format. The codec module (src/codecs: libjpeg-turbo
 * and libwebp) writes JPEG (baseline and progressive) and lossy WebP; PNG is
 * filtered row by row into zlib (./codecs/png-encode.ts); photon writes
 * lossless WebP; libavif and the palette encoders load on
 * first use, so the common path stays small.
 */
const ENCODERS: Record<OutputFormat, Encoder> = {
  async jpg({ img, resolved, flags, background, metadata, measured }) {
    if (jpegInStrips(img.width * img.height, resolved.quality, flags)) {
      const { encodeJpegRows } = await import('./codecs/jpeg-rows');
      const out = encodeJpegRows(img, resolved.quality, background);
      measured?.(out.peakMemoryBytes);
      return writeJpegMetadata(out.bytes, metadata);
    }
    const opaque = flatten(img, background);
    return writeJpegMetadata(encodeJpegRgba(opaque, resolved.quality, flags.has('progressive')), metadata);
  },
  async png({ img, flags, metadata, charge = () => undefined }) {
    let bytes: Uint8Array;
    if (flags.has('png8') || flags.has('lossy')) {
      const { encodePng8 } = await import('./codecs/png8');
      // Indices, their rows with filter bytes, and the output (at most as large).
      charge(img.width * img.height * PNG8_BYTES);
      bytes = await encodePng8(img);
    } else {
      const { encodePngRows } = await import('./codecs/png-encode');
      bytes = await encodePngRows(img, charge);
    }
    return metadata.icc ? writePngIcc(bytes, metadata.icc) : bytes;
  },
  async webp({ img, resolved, charge = () => undefined }) {
    if (resolved.lossless) return withPhoton(img, (p) => photonEncodeWebpLossless(p));
    // libwebp codes a transparent alpha plane losslessly before the lossy pass (about 22 bytes per pixel): charged once seen.
    if (hasAlpha(img)) charge(webpAlphaExtraBytes(img.width * img.height));
    return encodeWebpRgba(img, resolved.quality);
  },
  async avif({ img, resolved, charge = () => undefined, measured }) {
    const { avifGridOf, encodeAvif } = await import('./codecs/avif');
    // Admission charged lossy output as a grid; an image that must be encoded whole (transparent, too thin) pays the rest first.
    if (!resolved.lossless && !avifGridOf(img, false)) charge(avifWholeExtraBytes(img.width * img.height));
    const out = await encodeAvif(img, resolved.quality, resolved.lossless);
    measured?.(out.wasmBytes);
    return out.bytes;
  },
  async gif({ img }) {
    const { encodeGif } = await import('./codecs/gif');
    return encodeGif(img);
  },
  async svg({ img, vector }) {
    if (!vector) throw SVG_NEEDS_VECTORIZE;
    const [{ traceSvg }, { flatRegions, vectorRegions }] = await Promise.all([import('./codecs/svg-trace'), import('./pixels/posterize')]);
    return traceSvg(flatRegions(img, vector) ?? vectorRegions(img, vector), img.width, img.height);
  },
};

/**
 * Large JPEGs from the JS raster go to the row encoder a strip at a time
 * (./codecs/jpeg-rows.ts): about 1 byte per pixel beside the raster instead of
 * an RGBA copy, a flattened copy and the optimised-table encoder's whole-image
 * coefficients (about 10). It writes 4:2:0 with standard Huffman tables, so
 * quality 90 and up (kept 4:4:4), progressive output and smaller images keep
 * the whole-frame encoder (its optimised tables make files about 6% smaller).
 */
const STRIP_JPEG_ABOVE_PIXELS = 2_000_000;

export const jpegInStrips = (pixels: number, quality: number, flags: ReadonlySet<FlagName>) =>
  pixels > STRIP_JPEG_ABOVE_PIXELS && quality < 90 && !flags.has('progressive');

/** SVG is written only by tracing `e_vectorize`'s regions; a raster image is not embedded in an SVG here. */
export const SVG_NEEDS_VECTORIZE = badRequest('SVG output needs e_vectorize (f_svg delivers the vectorized image)');

/** The last `e_vectorize` of the plan's components, which SVG output traces. */
export const vectorEffect = (components: { params: { e?: Effect } }[]) =>
  components
    .map((c) => c.params.e)
    .filter((e) => e?.name === 'vectorize')
    .pop();

export function encodeRaster(e: EncodeInput): Promise<Uint8Array> {
  return ENCODERS[e.resolved.format](e);
}
