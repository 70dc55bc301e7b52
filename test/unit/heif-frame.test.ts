import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CodecSession, type ModuleExports } from '../../src/engine/codecs/runtime';

/** heif.wasm's frame helpers (wasm/heif/frame.c), called directly. */
interface FrameExports extends ModuleExports {
  rgba_flatten(ptr: number, pixels: number, r: number, g: number, b: number): void;
  rgb_frame_put(frame: number, width: number, y0: number, rows: number, src: number, stride: number): void;
  rgb_frame_turned(
    frame: number,
    width: number,
    height: number,
    orientation: number,
    y0: number,
    rows: number,
    dst: number,
    stride: number,
  ): void;
}

const CompiledModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const wasm = new CompiledModule(readFileSync(new URL('../../src/engine/codecs/wasm/heif.wasm', import.meta.url)));

/** Where upright (x, y) reads the stored w x h image under each EXIF orientation. */
const STORED: Record<number, (x: number, y: number, w: number, h: number) => [number, number]> = {
  2: (x, y, w) => [w - 1 - x, y],
  3: (x, y, w, h) => [w - 1 - x, h - 1 - y],
  4: (x, y, _w, h) => [x, h - 1 - y],
  5: (x, y) => [y, x],
  6: (x, y, _w, h) => [y, h - 1 - x],
  7: (x, y, w, h) => [w - 1 - y, h - 1 - x],
  8: (x, y, w) => [w - 1 - y, x],
};

describe('heif.wasm frame helpers', () => {
  it('store RGBA rows as RGB and gather them turned under every orientation, in strips', () => {
    const [w, h] = [7, 5];
    const rgba = new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 251));
    const session = new CodecSession<FrameExports>(wasm);
    try {
      const src = session.copyIn(rgba);
      const frame = session.call((x) => x.alloc(w * h * 3));
      // Two calls, as strips arrive.
      session.call((x) => x.rgb_frame_put(frame, w, 0, 2, src, w * 4));
      session.call((x) => x.rgb_frame_put(frame, w, 2, 3, src + 2 * w * 4, w * 4));
      for (let o = 2; o <= 8; o++) {
        const [ow, oh] = o >= 5 ? [h, w] : [w, h];
        const dst = session.call((x) => x.alloc(ow * oh * 4));
        // Rows 0-2, then the rest: the gather must start mid-image.
        session.call((x) => x.rgb_frame_turned(frame, w, h, o, 0, 3, dst, ow * 4));
        session.call((x) => x.rgb_frame_turned(frame, w, h, o, 3, oh - 3, dst + 3 * ow * 4, ow * 4));
        const got = session.copyOut(dst, ow * oh * 4);
        for (let y = 0; y < oh; y++)
          for (let x = 0; x < ow; x++) {
            const [sx, sy] = STORED[o](x, y, w, h);
            const at = (y * ow + x) * 4;
            expect([...got.subarray(at, at + 4)], `orientation ${o} at ${x},${y}`).toEqual([
              ...rgba.subarray((sy * w + sx) * 4, (sy * w + sx) * 4 + 3),
              255,
            ]);
          }
        session.release(dst);
      }
    } finally {
      session.drop();
    }
  });

  it('flattens RGBA onto a background as the JS strip encoder does, rounding to nearest', () => {
    const px = Uint8Array.from([200, 100, 50, 0, 200, 100, 50, 128, 200, 100, 50, 255, 10, 20, 30, 1]);
    const session = new CodecSession<FrameExports>(wasm);
    try {
      const ptr = session.copyIn(px);
      session.call((x) => x.rgba_flatten(ptr, 4, 255, 0, 0));
      const want = [...px].map((v, i) => {
        const a = px[i - (i % 4) + 3];
        return i % 4 === 3 ? 255 : Math.round((v * a + [255, 0, 0][i % 4] * (255 - a)) / 255);
      });
      expect([...session.copyOut(ptr, 16)]).toEqual(want);
    } finally {
      session.drop();
    }
  });
});
