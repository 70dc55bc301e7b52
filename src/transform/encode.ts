import { photonEncodeJpeg, photonEncodePng, photonEncodeWebpLossless, photonFromRaster } from './codecs/photon';
import type { Resolved } from './negotiate';
import { flatten, type Raster } from './raster';
import type { Color, FlagName, OutputFormat } from './types';

type Encoder = (img: Raster, r: Resolved, flags: ReadonlySet<FlagName>, background: Color) => Promise<Uint8Array>;

function withPhoton<T>(img: Raster, run: (p: ReturnType<typeof photonFromRaster>) => T): T {
  const p = photonFromRaster(img);
  try {
    return run(p);
  } finally {
    p.free();
  }
}

/**
 * One encoder per output format. Every output is written from pixels alone,
 * so no metadata of the source (EXIF, GPS, XMP, IPTC) survives unless a flag
 * asks to keep it. WebP/AVIF encoders load on first use.
 */
const ENCODERS: Record<OutputFormat, Encoder> = {
  jpg: async (img, r, _flags, bg) => withPhoton(flatten(img, bg), (p) => photonEncodeJpeg(p, r.quality)),
  png: async (img) => withPhoton(img, (p) => photonEncodePng(p)),
  webp: async (img, r) => {
    if (r.lossless) return withPhoton(img, (p) => photonEncodeWebpLossless(p));
    const { encodeWebp } = await import('./codecs/webp');
    return encodeWebp(img, r.quality, false);
  },
  avif: async (img, r) => {
    const { encodeAvif } = await import('./codecs/avif');
    return encodeAvif(img, r.quality, r.lossless);
  },
  gif: async (img) => {
    const { encodeGif } = await import('./codecs/gif');
    return encodeGif(img);
  },
};

export function encodeRaster(img: Raster, r: Resolved, flags: ReadonlySet<FlagName>, background: Color): Promise<Uint8Array> {
  return ENCODERS[r.format](img, r, flags, background);
}
