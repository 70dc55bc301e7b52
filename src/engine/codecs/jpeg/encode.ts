import { type CodecSession, type Pixels } from '../runtime';

export interface JpegEncodeOptions {
  quality: number;
  progressive: boolean;
}

/** Baseline or progressive JPEG with optimised Huffman tables; alpha, if any, is ignored (flatten first). */
export function encodeJpeg(session: CodecSession, p: Pixels, opts: JpegEncodeOptions): Uint8Array {
  session.check(p);
  const quality = Math.max(1, Math.min(100, Math.round(opts.quality)));
  const res = session.call((x) => x.jpeg_encode(p.ptr, p.width, p.height, p.channels, quality, opts.progressive ? 1 : 0));
  const [ptr, len] = session.results(res, 2);
  try {
    return session.copyOut(ptr, len);
  } finally {
    session.release(ptr);
  }
}
