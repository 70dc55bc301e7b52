import { describe, expect, it } from 'vitest';
import { outputSize, planGeometry, type Focus, type GeometryInput } from '../../src/engine/geometry';
import type { Params } from '../../src/engine/types';

const px = (value: number) => ({ value, relative: false });
const frac = (value: number) => ({ value, relative: true });
const plan = (width: number, height: number, params: Params, extra: Partial<GeometryInput> = {}) =>
  planGeometry({ width, height, params, dpr: 1, ...extra });

describe('crop modes on a 1000 x 500 input', () => {
  it.each([
    ['scale, both sides', { c: 'scale', w: px(200), h: px(300) }, { width: 200, height: 300 }],
    ['scale, width only keeps the aspect ratio', { c: 'scale', w: px(200) }, { width: 200, height: 100 }],
    ['scale, height only', { h: px(50) }, { width: 100, height: 50 }],
    ['fit inside 100 x 100', { c: 'fit', w: px(100), h: px(100) }, { width: 100, height: 50 }],
    ['limit never enlarges', { c: 'limit', w: px(4000), h: px(4000) }, { width: 1000, height: 500 }],
    ['mfit never shrinks', { c: 'mfit', w: px(100), h: px(100) }, { width: 1000, height: 500 }],
    ['mfit enlarges to fit the box', { c: 'mfit', w: px(2000), h: px(2000) }, { width: 2000, height: 1000 }],
    ['fill covers the box exactly', { c: 'fill', w: px(100), h: px(100) }, { width: 100, height: 100 }],
    ['relative width', { c: 'scale', w: frac(0.5) }, { width: 500, height: 250 }],
    ['aspect ratio fills in the height', { c: 'scale', w: px(400), ar: 2 }, { width: 400, height: 200 }],
    ['aspect ratio alone crops within the input', { c: 'fill', ar: 1 }, { width: 500, height: 500 }],
  ] as [string, Params, { width: number; height: number }][])('%s', (_name, params, size) => {
    expect(outputSize(plan(1000, 500, params))).toEqual(size);
  });

  it('fill takes the centred window of the box aspect ratio, or the one gravity names', () => {
    expect(plan(1000, 500, { c: 'fill', w: px(100), h: px(100) }).region).toEqual({ x: 250, y: 0, width: 500, height: 500 });
    const west = plan(1000, 500, { c: 'fill', w: px(100), h: px(100), g: { kind: 'compass', dir: 'west' } });
    expect(west.region.x).toBe(0);
    const east = plan(1000, 500, { c: 'fill', w: px(100), h: px(100), g: { kind: 'compass', dir: 'south_east' } });
    expect(east.region).toEqual({ x: 500, y: 0, width: 500, height: 500 });
  });

  it('thumb zooms into the window by z', () => {
    const g = plan(1000, 500, { c: 'thumb', w: px(100), h: px(100), z: 2 });
    expect(g.region).toEqual({ x: 375, y: 125, width: 250, height: 250 });
    expect(g.size).toEqual({ width: 100, height: 100 });
  });

  it('pad fits the image and centres it on the canvas; gravity moves it', () => {
    const centred = plan(1000, 500, { c: 'pad', w: px(100), h: px(100) });
    expect(centred.size).toEqual({ width: 100, height: 50 });
    expect(centred.canvas).toEqual({ width: 100, height: 100, x: 0, y: 25 });
    expect(plan(1000, 500, { c: 'pad', w: px(100), h: px(100), g: { kind: 'compass', dir: 'south' } }).canvas?.y).toBe(50);
  });

  it('mpad never shrinks: a larger image is kept as it is, without a canvas', () => {
    const g = plan(1000, 500, { c: 'mpad', w: px(100), h: px(100) });
    expect(g).toEqual({ region: { x: 0, y: 0, width: 1000, height: 500 }, size: { width: 1000, height: 500 } });
  });

  it('crop cuts a window at the input scale, clamped to the input', () => {
    expect(plan(1000, 500, { c: 'crop', w: px(300), h: px(200) }).region).toEqual({ x: 350, y: 150, width: 300, height: 200 });
    expect(plan(1000, 500, { c: 'crop', w: px(2000), h: px(200) }).region.width).toBe(1000);
    // x/y alone: everything from that point to the far edges (gravity north_west by default)
    expect(plan(1000, 500, { c: 'crop', x: px(100), y: px(50) }).region).toEqual({ x: 100, y: 50, width: 900, height: 450 });
  });

  it('x/y move the window away from the anchored edge; xy_center centres it on the point', () => {
    const ne = plan(1000, 500, { c: 'crop', w: px(100), h: px(100), x: px(10), y: px(20), g: { kind: 'compass', dir: 'north_east' } });
    expect(ne.region).toEqual({ x: 890, y: 20, width: 100, height: 100 });
    const xy = plan(1000, 500, { c: 'crop', w: px(50), h: px(50), x: px(100), y: px(100), g: { kind: 'xy_center' } });
    expect(xy.region).toEqual({ x: 75, y: 75, width: 50, height: 50 });
  });

  it('dpr multiplies the requested size', () => {
    expect(outputSize(plan(1000, 500, { c: 'scale', w: px(100) }, { dpr: 2 }))).toEqual({ width: 200, height: 100 });
  });
});

describe('modes that depend on the input being smaller', () => {
  it('lpad pads a small image to the box without enlarging it', () => {
    const g = plan(100, 50, { c: 'lpad', w: px(200), h: px(200) });
    expect(g.size).toEqual({ width: 100, height: 50 });
    expect(g.canvas).toEqual({ width: 200, height: 200, x: 50, y: 75 });
  });

  it('lfill keeps the aspect ratio at the largest size the input holds', () => {
    expect(plan(100, 50, { c: 'lfill', w: px(200), h: px(200) }).size).toEqual({ width: 50, height: 50 });
  });

  it('one side never gives a size below 1 pixel', () => {
    expect(outputSize(plan(1000, 1, { c: 'scale', w: px(10) }))).toEqual({ width: 10, height: 1 });
  });
});

describe('g_auto and c_fill_pad use the focus', () => {
  /** Detail spread evenly from left to right: a window holds the share of the width it covers. */
  const evenly: Focus = { best: () => ({ x: 0, y: 0 }), share: (r) => r.width / 1000 };

  it('g_auto places the window where the focus says', () => {
    const focus: Focus = { best: () => ({ x: 620, y: 0 }), share: () => 1 };
    expect(plan(1000, 500, { c: 'fill', w: px(100), h: px(100), g: { kind: 'auto' } }, { focus }).region.x).toBe(500);
    const inside: Focus = { best: () => ({ x: 120, y: 0 }), share: () => 1 };
    expect(plan(1000, 500, { c: 'fill', w: px(100), h: px(100), g: { kind: 'auto' } }, { focus: inside }).region.x).toBe(120);
  });

  it('fill_pad is a plain fill, placed by the focus, when the window keeps the detail', () => {
    const g = plan(1000, 500, { c: 'fill_pad', w: px(100), h: px(100) }, { focus: { best: () => ({ x: 300, y: 0 }), share: () => 1 } });
    expect(g.canvas).toBeUndefined();
    expect(g.region).toEqual({ x: 300, y: 0, width: 500, height: 500 });
  });

  it('fill_pad widens the window until it keeps 85% of the detail, and pads the rest', () => {
    const g = plan(1000, 500, { c: 'fill_pad', w: px(100), h: px(100) }, { focus: evenly });
    expect(g.region.width).toBe(850);
    expect(g.region.height).toBe(500);
    expect(g.size).toEqual({ width: 100, height: 59 });
    expect(g.canvas).toEqual({ width: 100, height: 100, x: 0, y: 21 });
  });
});
