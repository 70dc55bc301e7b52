import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { engineStats, transformImage } from '../../src/engine/engine';
import { parseTransformation } from '../../src/engine/parse';
import { fixture, storeImage, uid } from './support/fixtures';
import { gifFrames } from './support/images';

const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const T = { timeout: 120_000 };
const limits = { maxDecodePixels: 25_000_000, maxOutputPixels: 25_000_000 };

/** A GIF of `frames` frames of 1x1 pixel (a few bytes each): what a frame costs beyond its pixels is all there is. */
function tinyFramesGif(frames: number): Uint8Array {
  const head = [...'GIF89a'].map((c) => c.charCodeAt(0)).concat([1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
  const frame = [0x21, 0xf9, 4, 0, 1, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4c, 0x01, 0];
  const out = new Uint8Array(head.length + frames * frame.length + 1);
  out.set(head);
  for (let i = 0; i < frames; i++) out.set(frame, head.length + i * frame.length);
  out[out.length - 1] = 0x3b;
  return out;
}

/** An animated WebP of a 10x10 canvas whose one frame claims 16384x16384 pixels (or, `frames` false, with no frame at all). */
function hugeFrameWebp(frames = true): Uint8Array {
  const chunk = (tag: string, payload: number[]) => {
    const len = payload.length;
    return [...tag].map((c) => c.charCodeAt(0)).concat([len & 0xff, (len >> 8) & 0xff, 0, 0], payload, len & 1 ? [0] : []);
  };
  const vp8l = chunk('VP8L', [0x2f, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0]);
  const anmf = chunk('ANMF', [0, 0, 0, 0, 0, 0, 0xff, 0x3f, 0, 0xff, 0x3f, 0, 100, 0, 0, 2, ...vp8l]);
  const body = [...'WEBP']
    .map((c) => c.charCodeAt(0))
    .concat(chunk('VP8X', [0x02, 0, 0, 0, 9, 0, 0, 9, 0, 0]), chunk('ANIM', [0, 0, 0, 0, 0, 0]), frames ? anmf : []);
  const len = body.length;
  return new Uint8Array([0x52, 0x49, 0x46, 0x46, len & 0xff, (len >> 8) & 0xff, 0, 0, ...body]);
}

describe('animations within the engine budgets', () => {
  it('holds one frame at a time: eight frames charge no more than two beyond their output', T, async () => {
    const gif = fixture('animated.gif');
    const two = await transformImage(gif, parseTransformation('c_scale,w_100,pg_1-2'), { limits, extension: 'gif' });
    const peakTwo = engineStats.lastPeakBytes;
    const eight = await transformImage(gif, parseTransformation('c_scale,w_100'), { limits, extension: 'gif' });
    const peakEight = engineStats.lastPeakBytes;
    expect([gifFrames(two.bytes), gifFrames(eight.bytes)]).toEqual([2, 8]);
    // Six more frames, each 400x300 RGBA when decoded: had they been held, the peak would grow by 2.9 MB.
    expect(peakEight - peakTwo).toBeLessThanOrEqual(eight.bytes.length * 2);
    expect(peakEight - peakTwo).toBeLessThan(400 * 300 * 4);
    expect(engineMemory().stats.open).toBe(0);
  });

  it.each([
    ['60,000 frames of 1x1', () => tinyFramesGif(60_000), 'gif', /Animation too large: 60000 frames of 1x1 .*ENGINE_WORK_PIXELS/],
    ['a WebP frame of 16384x16384 on a 10x10 canvas', hugeFrameWebp, 'webp', /Image too large: decoding a frame of 268435456 pixels/],
    ['an animated WebP without frames', () => hugeFrameWebp(false), 'webp', /Invalid image file: an animation without frames/],
  ] as const)('refuses %s with a 400 before decoding, and serves the next request', T, async (_name, make, ext, message) => {
    const id = uid('anim');
    await storeImage(id, make());
    const res = await get(`c_scale,w_1.0/${id}.${ext}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(message);
    const good = uid('after');
    await storeImage(good, fixture('animated.gif'));
    const next = await get(`w_50/${good}.gif`);
    expect(next.status).toBe(200);
    expect(gifFrames(new Uint8Array(await next.arrayBuffer()))).toBe(8);
    expect(engineMemory().stats.open).toBe(0);
  });
});
