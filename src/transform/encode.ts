import { photonEncodeJpeg, photonEncodePng, photonEncodeWebpLossless, photonFromRaster, type PhotonHandle } from './codecs/photon';
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
}

type Encoder = (e: EncodeInput) => Promise<Uint8Array>;

function withPhoton<T>(img: Raster, run: (p: PhotonHandle) => T): T {
  const p = photonFromRaster(img);
  try {
    return run(p);
  } finally {
    p.free();
  }
}

/**
 * One encoder per output format. photon writes baseline JPEG, PNG and
 * lossless WebP; MozJPEG (progressive), libwebp (lossy), libavif and the
 * palette encoders load on first use, so the common path stays small.
 */
const ENCODERS: Record<OutputFormat, Encoder> = {
  async jpg({ img, resolved, flags, background, metadata }) {
    const opaque = flatten(img, background);
    let bytes: Uint8Array;
    if (flags.has('progressive')) {
      const { encodeProgressiveJpeg } = await import('./codecs/jpeg');
      bytes = await encodeProgressiveJpeg(opaque, resolved.quality);
    } else {
      bytes = withPhoton(opaque, (p) => photonEncodeJpeg(p, resolved.quality));
    }
    return writeJpegMetadata(bytes, metadata);
  },
  async png({ img, flags, metadata }) {
    let bytes: Uint8Array;
    if (flags.has('png8') || flags.has('lossy')) {
      const { encodePng8 } = await import('./codecs/png8');
      bytes = await encodePng8(img);
    } else {
      bytes = withPhoton(img, (p) => photonEncodePng(p));
    }
    return metadata.icc ? writePngIcc(bytes, metadata.icc) : bytes;
  },
  async webp({ img, resolved }) {
    if (resolved.lossless) return withPhoton(img, (p) => photonEncodeWebpLossless(p));
    const { encodeWebp } = await import('./codecs/webp');
    return encodeWebp(img, resolved.quality, false);
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
