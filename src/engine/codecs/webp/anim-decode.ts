import { badRequest } from '../../../errors';
import { decodeWebpScaled } from '../pipeline';
import { riffChunks, riffFile, u24le, vp8x, VP8X_ALPHA, type RiffChunk } from './container';

/** One frame of an animated WebP as it is seen: the canvas after drawing it (reused for the next frame), and how long it shows. */
export interface WebpFrame {
  canvas: Uint8Array;
  width: number;
  height: number;
  delay: number;
}

interface Anmf {
  x: number;
  y: number;
  width: number;
  height: number;
  delay: number;
  blend: boolean;
  dispose: boolean;
  image: RiffChunk[];
}

/** The animation's frames (ANMF chunks) and its loop count (ANIM: plays, 0 forever). */
export function webpAnimation(b: Uint8Array): { width: number; height: number; plays: number; frames: Anmf[] } {
  const chunks = riffChunks(b);
  const head = chunks.find((c) => c.tag === 'VP8X');
  if (!head || head.payload.length < 10) throw badRequest('Invalid image file: WebP animation without a VP8X header');
  const width = u24le(head.payload, 4) + 1;
  const height = u24le(head.payload, 7) + 1;
  const anim = chunks.find((c) => c.tag === 'ANIM');
  const plays = anim && anim.payload.length >= 6 ? anim.payload[4] | (anim.payload[5] << 8) : 0;
  const frames = chunks
    .filter((c) => c.tag === 'ANMF' && c.payload.length >= 16)
    .map((c): Anmf => {
      const p = c.payload;
      const start = p.byteOffset - b.byteOffset + 16;
      return {
        x: u24le(p, 0) * 2,
        y: u24le(p, 3) * 2,
        width: u24le(p, 6) + 1,
        height: u24le(p, 9) + 1,
        delay: u24le(p, 12),
        blend: (p[15] & 0x02) === 0,
        dispose: (p[15] & 0x01) !== 0,
        image: riffChunks(b, start, start + p.length - 16),
      };
    });
  return { width, height, plays, frames };
}

/**
 * Frames of an animated WebP in order: each frame's bitstream is decoded by
 * libwebp as a still file of the frame's size, then drawn on the canvas
 * (alpha-blended or replacing, as the frame says), disposed of after it was
 * shown. One canvas and one frame are held at a time.
 */
export function* webpFrames(b: Uint8Array): Generator<WebpFrame> {
  const { width, height, frames } = webpAnimation(b);
  const canvas = new Uint8Array(width * height * 4);
  for (const f of frames) {
    const image = f.image.filter((c) => c.tag === 'ALPH' || c.tag === 'VP8 ' || c.tag === 'VP8L');
    if (!image.some((c) => c.tag !== 'ALPH')) throw badRequest('Invalid image file: WebP frame without an image');
    const alpha = image.some((c) => c.tag === 'ALPH');
    const still = riffFile([...(alpha ? [vp8x(VP8X_ALPHA, f.width, f.height)] : []), ...image.map((c) => c.bytes)]);
    const img = decodeWebpScaled(still, f.width, f.height);
    draw(canvas, width, height, img.data, f);
    yield { canvas, width, height, delay: f.delay };
    if (f.dispose) clear(canvas, width, height, f);
  }
}

/** One frame of an animated WebP as it is seen (`pg_<n>`, 1-based). */
export function decodeWebpFrame(b: Uint8Array, page: number): { data: Uint8Array; width: number; height: number } {
  let n = 0;
  for (const f of webpFrames(b)) if (++n === page) return { data: f.canvas, width: f.width, height: f.height };
  throw badRequest(`Invalid page in transformation: ${page} (the image has ${n} page${n === 1 ? '' : 's'})`);
}

function draw(canvas: Uint8Array, W: number, H: number, src: Uint8Array, f: Anmf): void {
  for (let row = 0; row < f.height && f.y + row < H; row++) {
    for (let col = 0; col < f.width && f.x + col < W; col++) {
      const s = (row * f.width + col) * 4;
      const d = ((f.y + row) * W + f.x + col) * 4;
      const a = src[s + 3];
      if (!f.blend || a === 255 || canvas[d + 3] === 0) {
        if (f.blend && a === 0) continue;
        canvas[d] = src[s];
        canvas[d + 1] = src[s + 1];
        canvas[d + 2] = src[s + 2];
        canvas[d + 3] = a;
        continue;
      }
      if (a === 0) continue;
      // Straight alpha "over": the result's alpha, then each channel weighted by what each layer contributes.
      const da = canvas[d + 3];
      const outA = a + (da * (255 - a)) / 255;
      for (let k = 0; k < 3; k++) canvas[d + k] = Math.round((src[s + k] * a + (canvas[d + k] * da * (255 - a)) / 255) / outA);
      canvas[d + 3] = Math.round(outA);
    }
  }
}

function clear(canvas: Uint8Array, W: number, H: number, f: Anmf): void {
  for (let r = f.y; r < Math.min(H, f.y + f.height); r++) canvas.fill(0, (r * W + f.x) * 4, (r * W + Math.min(W, f.x + f.width)) * 4);
}
