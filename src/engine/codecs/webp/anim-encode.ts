import { badRequest } from '../../../errors';
import { chunk, putU24, riffChunks, riffFile, vp8x, VP8X_ALPHA, VP8X_ANIMATION } from './container';

/**
 * An animated WebP assembled around still WebP files: each frame's image
 * chunks (ALPH + VP8, or VP8L) go into an ANMF chunk covering the whole
 * canvas, not blended with what was there (so a frame may follow any other,
 * as e_boomerang needs).
 */
export class WebpAnimWriter {
  private readonly frames: Uint8Array[] = [];
  private alpha = false;

  /** `loop`: repetitions after the first play, 0 forever, undefined to play once. */
  constructor(
    readonly width: number,
    readonly height: number,
    private readonly loop: number | undefined,
  ) {}

  /** The ANMF chunk of one frame, from a still WebP of the canvas' size: keep it to add the frame again. */
  static frame(still: Uint8Array, delayMs: number): { bytes: Uint8Array; alpha: boolean } {
    const parts = riffChunks(still).filter((c) => c.tag === 'ALPH' || c.tag === 'VP8 ' || c.tag === 'VP8L');
    if (!parts.some((c) => c.tag !== 'ALPH')) throw badRequest('Image could not be processed: the WebP encoder wrote no image');
    const first = parts.find((c) => c.tag !== 'ALPH')!;
    const { width, height } = bitstreamSize(first.tag, first.payload);
    const head = new Uint8Array(16);
    putU24(head, 6, width - 1);
    putU24(head, 9, height - 1);
    putU24(head, 12, Math.min(0xffffff, Math.max(0, Math.round(delayMs))));
    head[15] = 0x02;
    const alpha = parts.some((c) => c.tag === 'ALPH') || (first.tag === 'VP8L' && (first.payload[4] & 0x10) !== 0);
    return { bytes: chunk('ANMF', head, ...parts.map((c) => c.bytes)), alpha };
  }

  add(frame: { bytes: Uint8Array; alpha: boolean }): void {
    this.frames.push(frame.bytes);
    this.alpha ||= frame.alpha;
  }

  finish(): Uint8Array {
    const anim = new Uint8Array(6);
    // WebP counts plays (0: forever); Cloudinary's e_loop and GIF count repetitions.
    const plays = this.loop === undefined ? 1 : this.loop === 0 ? 0 : this.loop + 1;
    anim[4] = plays & 0xff;
    anim[5] = (plays >> 8) & 0xff;
    return riffFile([vp8x(VP8X_ANIMATION | (this.alpha ? VP8X_ALPHA : 0), this.width, this.height), chunk('ANIM', anim), ...this.frames]);
  }
}

/** A VP8 (lossy) or VP8L (lossless) bitstream's own width and height. */
function bitstreamSize(tag: string, p: Uint8Array): { width: number; height: number } {
  if (tag === 'VP8L') {
    const bits = (p[1] | (p[2] << 8) | (p[3] << 16) | (p[4] << 24)) >>> 0;
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return { width: (p[6] | (p[7] << 8)) & 0x3fff, height: (p[8] | (p[9] << 8)) & 0x3fff };
}
