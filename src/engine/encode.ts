import { encodeJpegRgba, encodeWebpRgba } from './codecs/pipeline';
import { photonEncodeWebpLossless, photonFromRaster, type PhotonHandle } from './codecs/photon';
import { writeJpegMetadata, writePngIcc, type CarriedMetadata } from './metadata';
import type { Resolved } from './negotiate';
import { flatten, type Raster } from './raster';
import type { Color, FlagName, OutputFormat } from './types';

export interface EncodeInput {
  img: Raster;
  resolved: Resolved;
  flags: ReadonlySet<FlagName>;
  /** Behind transparent pixels when the format has no alpha. */
  background: Color;
  /** What the source carries over (see metadata.ts); already filtered by the flags. */
  metadata: CarriedMetadata;
  /** Charges the request's memory budget before an encoder allocates `bytes` beyond its per-pixel cost (PNG's output as it grows). */
  charge?: (bytes: number) => void;
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
  async jpg({ img, resolved, flags, background, metadata }) {
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
  async webp({ img, resolved }) {
    if (resolved.lossless) return withPhoton(img, (p) => photonEncodeWebpLossless(p));
    return encodeWebpRgba(img, resolved.quality);
  },
  async avif({ img, resolved }) {
    const { encodeAvif } = await import('./codecs/avif');
    return encodeAvif(img, resolved.quality, resolved.lossless);
  },
  async gif({ img }) {
    const { encodeGif } = await import('./codecs/gif');
    return encodeGif(img);
  },
};

export function encodeRaster(e: EncodeInput): Promise<Uint8Array> {
  return ENCODERS[e.resolved.format](e);
}
