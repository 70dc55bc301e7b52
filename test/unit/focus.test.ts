import { describe, expect, it } from 'vitest';
import { findFocus } from '../../src/engine/focus';
import type { Raster } from '../../src/engine/raster';

/** A grey raster with a black-and-white checkerboard (the only detail) in one rectangle. */
function withDetail(width: number, height: number, patch?: { x: number; y: number; w: number; h: number }): Raster {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inPatch = patch && x >= patch.x && x < patch.x + patch.w && y >= patch.y && y < patch.y + patch.h;
      const v = inPatch ? ((x + y) % 2 ? 255 : 0) : 128;
      data.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  return { data, width, height };
}

describe('g_auto focus by edge energy', () => {
  it('finds the detailed region, scaled from the thumbnail to the image', () => {
    // The thumbnail is 100 x 50; the image it stands for is 1000 x 500.
    const focus = findFocus(withDetail(100, 50, { x: 70, y: 10, w: 20, h: 20 }), 1000, 500);
    const { x, y } = focus.best(200, 200);
    expect(x).toBeGreaterThanOrEqual(680);
    expect(x).toBeLessThanOrEqual(700);
    expect(y).toBeGreaterThanOrEqual(80);
    expect(y).toBeLessThanOrEqual(100);
  });

  it('measures the share of the detail inside a rectangle', () => {
    const focus = findFocus(withDetail(100, 50, { x: 70, y: 10, w: 20, h: 20 }), 100, 50);
    expect(focus.share({ x: 0, y: 0, width: 100, height: 50 })).toBeCloseTo(1, 6);
    expect(focus.share({ x: 69, y: 9, width: 22, height: 22 })).toBeGreaterThan(0.99);
    expect(focus.share({ x: 0, y: 0, width: 50, height: 50 })).toBe(0);
  });

  it('keeps a flat image centred, and counts all of it as detail', () => {
    const focus = findFocus(withDetail(100, 50), 100, 50);
    expect(focus.best(20, 20)).toEqual({ x: 40, y: 15 });
    expect(focus.share({ x: 0, y: 0, width: 10, height: 10 })).toBe(1);
  });

  it('ignores what transparent pixels hide', () => {
    const raster = withDetail(40, 40, { x: 0, y: 0, w: 10, h: 10 });
    for (let i = 3; i < raster.data.length; i += 4) raster.data[i] = 0;
    const focus = findFocus(raster, 40, 40);
    expect(focus.best(10, 10)).toEqual({ x: 15, y: 15 });
  });
});
