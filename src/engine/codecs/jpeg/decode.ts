import { CodecError, type CodecSession, type Pixels } from '../runtime';

export interface JpegInfo {
  width: number;
  height: number;
  components: number;
  /** Progressive (multi-scan) files need a whole-image coefficient buffer. */
  progressive: boolean;
}

/** The DCT scalings libjpeg-turbo decodes straight into: 1/1, 1/2, 1/4, 1/8. */
export const JPEG_SHRINKS = [1, 2, 4, 8] as const;
export type JpegShrink = (typeof JPEG_SHRINKS)[number];

export interface JpegDecodeOptions {
  shrink: JpegShrink;
  channels: 3 | 4;
  /** Refuses to decode when the scaled image has more pixels. */
  maxPixels: number;
  /** libjpeg's own working memory cap (coefficient buffers of progressive files); beyond it the decode fails cleanly. */
  maxWorkingBytes: number;
}

export function jpegInfo(session: CodecSession, bytes: Uint8Array): JpegInfo {
  const ptr = session.copyIn(bytes);
  try {
    const [width, height, components, , progressive] = session.results(
      session.call((x) => x.jpeg_info(ptr, bytes.length)),
      5,
    );
    return { width, height, components, progressive: progressive !== 0 };
  } finally {
    session.release(ptr);
  }
}

/** Scaled dimensions the way libjpeg computes them (rounding up). */
export const shrunkSize = (width: number, height: number, shrink: JpegShrink) => ({
  width: Math.ceil(width / shrink),
  height: Math.ceil(height / shrink),
});

/**
 * The largest shrink whose result still covers `need` (the source pixels the
 * output needs, measured in the stored image): the resampler then only ever
 * reduces, as with libvips' shrink-on-load.
 */
export function chooseShrink(width: number, height: number, needWidth: number, needHeight: number): JpegShrink {
  let best: JpegShrink = 1;
  for (const s of JPEG_SHRINKS) {
    const size = shrunkSize(width, height, s);
    if (size.width >= needWidth && size.height >= needHeight) best = s;
  }
  return best;
}

export function decodeJpeg(session: CodecSession, bytes: Uint8Array, opts: JpegDecodeOptions): Pixels {
  if (!JPEG_SHRINKS.includes(opts.shrink)) throw new CodecError(`unsupported JPEG shrink 1/${opts.shrink}`);
  const ptr = session.copyIn(bytes);
  try {
    const res = session.call((x) => x.jpeg_decode(ptr, bytes.length, opts.shrink, opts.channels, opts.maxPixels, opts.maxWorkingBytes));
    const [pixels, width, height, channels] = session.results(res, 4);
    return session.pixels(pixels, width, height, channels as 3 | 4);
  } finally {
    session.release(ptr);
  }
}
