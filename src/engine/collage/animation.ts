import { decodePngReduced } from '../codecs/png-rows';
import { ANIMATION_WRITERS, type AnimatedFormat } from '../animation/writers';
import { WHITE } from '../raster';

/** Frames shown this long each when the request names no `dl_` (Cloudinary's multi default). */
const DEFAULT_DELAY_MS = 100;

/**
 * An animated file of still frames, given as PNG bytes of one size, in order
 * (`multi`). Each frame is decoded, encoded and let go before the next is read,
 * so only the output grows with the number of frames.
 */
export async function animationOfFrames(
  frames: AsyncIterable<Uint8Array>,
  size: { width: number; height: number },
  format: AnimatedFormat,
  delayMs = DEFAULT_DELAY_MS,
): Promise<Uint8Array> {
  const writer = ANIMATION_WRITERS[format]({
    ...size,
    loop: 0,
    resolved: { format, quality: 80, lossless: false, dpr: 1 },
    background: WHITE,
  });
  for await (const png of frames) {
    const frame = await writer.encode(await decodePngReduced(png, 1), delayMs);
    frame.add();
  }
  return writer.finish();
}
