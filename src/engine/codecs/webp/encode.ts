import { type CodecSession, type Pixels } from '../runtime';

/**
 * Lossy WebP at `quality` with sharp's defaults. The pixels are consumed:
 * they are freed inside the encoder as soon as they are converted to YUV.
 */
export function encodeWebp(session: CodecSession, p: Pixels, quality: number): Uint8Array {
  session.check(p);
  const q = Math.max(0, Math.min(100, quality));
  const res = session.call((x) => x.webp_encode(p.ptr, p.width, p.height, p.channels, q, 1));
  const [ptr, len] = session.results(res, 2);
  try {
    return session.copyOut(ptr, len);
  } finally {
    session.release(ptr);
  }
}
