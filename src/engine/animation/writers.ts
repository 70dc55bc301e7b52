import { ApngWriter, apngFrame } from '../codecs/apng';
import { GifAnimWriter } from '../codecs/gif-anim';
import { WebpAnimWriter } from '../codecs/webp/anim-encode';
import { encodeRaster } from '../encode';
import type { Resolved } from '../negotiate';
import type { Raster } from '../raster';
import type { Color } from '../types';

/** A frame once encoded: kept so that e_boomerang can add it again without encoding it twice. */
export interface EncodedFrame {
  bytes: number;
  /** Appends the frame to the file. */
  add(): void;
}

/** Writes an animated file frame by frame: each frame is encoded as it comes and only its bytes are kept. */
export interface AnimationWriter {
  encode(img: Raster, delayMs: number): Promise<EncodedFrame>;
  finish(): Uint8Array;
}

export type AnimatedFormat = 'gif' | 'webp' | 'png';

interface Settings {
  width: number;
  height: number;
  loop: number | undefined;
  resolved: Resolved;
  background: Color;
}

/** A still of the frame in the format's own encoder (truecolour PNG: every APNG frame shares one header). */
const still = (img: Raster, s: Settings, format: 'webp' | 'png') =>
  encodeRaster({ img, resolved: { ...s.resolved, format }, flags: new Set(), background: s.background, metadata: {} });

export const ANIMATION_WRITERS: Record<AnimatedFormat, (s: Settings) => AnimationWriter> = {
  gif(s) {
    const w = new GifAnimWriter(s.width, s.height, s.loop);
    return {
      async encode(img, delay) {
        const payload = GifAnimWriter.encodeFrame(img, delay);
        return { bytes: payload.length, add: () => w.push(payload) };
      },
      finish: () => w.finish(),
    };
  },
  webp(s) {
    const w = new WebpAnimWriter(s.width, s.height, s.loop);
    return {
      async encode(img, delay) {
        const frame = WebpAnimWriter.frame(await still(img, s, 'webp'), delay);
        return { bytes: frame.bytes.length, add: () => w.add(frame) };
      },
      finish: () => w.finish(),
    };
  },
  png(s) {
    const w = new ApngWriter(s.width, s.height, s.loop);
    return {
      async encode(img, delay) {
        const frame = apngFrame(await still(img, s, 'png'), delay);
        return { bytes: frame.data.length, add: () => w.add(frame) };
      },
      finish: () => w.finish(),
    };
  },
};
