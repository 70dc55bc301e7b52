import { describe, expect, it } from 'vitest';
import { blurSigma, gaussianBlur, pixelate, unsharp } from '../../src/engine/pixels/filter';
import { border, opacity, roundCorners, trim } from '../../src/engine/pixels/shape';
import { blackwhite, brightness, contrast, grayscale, hue, negate, sepia, vignette } from '../../src/engine/pixels/tone';
import type { Raster } from '../../src/engine/raster';

type Rgba = [number, number, number, number];

/** A raster from rows of RGBA pixels. */
const raster = (rows: Rgba[][]): Raster => ({ data: new Uint8Array(rows.flat(2)), width: rows[0].length, height: rows.length });
const solid = (width: number, height: number, p: Rgba) =>
  raster(Array.from({ length: height }, () => Array.from({ length: width }, () => p)));
const pixel = (img: Raster, x: number, y: number): Rgba =>
  [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)] as Rgba;

describe('tone operations map each pixel and keep alpha', () => {
  const one = (p: Rgba) => raster([[p]]);

  it.each([
    ['grayscale uses the Rec. 601 luma', grayscale(one([255, 0, 0, 200])), [76, 76, 76, 200]],
    ['negate', negate(one([10, 20, 30, 40])), [245, 235, 225, 40]],
    ['brightness 100 doubles, clamped', brightness(one([100, 200, 50, 255]), 100), [200, 255, 100, 255]],
    ['contrast -100 flattens to mid-grey', contrast(one([0, 90, 255, 255]), -100), [128, 128, 128, 255]],
    ['sepia 100 is the sepia matrix', sepia(one([100, 100, 100, 255]), 100), [135, 120, 94, 255]],
    ['sepia 0 leaves the pixel', sepia(one([12, 34, 56, 255]), 0), [12, 34, 56, 255]],
    ['blackwhite: luma at the threshold is white', blackwhite(one([128, 128, 128, 9]), 50), [255, 255, 255, 9]],
    ['blackwhite: below it black', blackwhite(one([127, 127, 127, 9]), 50), [0, 0, 0, 9]],
    ['hue 0 is the identity', hue(one([200, 40, 90, 255]), 0), [200, 40, 90, 255]],
    ['hue turns about the grey axis: grey stays grey', hue(one([90, 90, 90, 255]), 100), [90, 90, 90, 255]],
  ] as [string, Raster, Rgba][])('%s', (_name, img, expected) => {
    expect(pixel(img, 0, 0)).toEqual(expected);
  });

  it('hue 100 (180°) maps red to its opposite, cyan-ish', () => {
    const [r, g, b] = pixel(hue(raster([[[255, 0, 0, 255]]]), 100), 0, 0);
    expect(r).toBe(0);
    expect(g).toBe(170);
    expect(b).toBe(170);
  });

  it('vignette darkens the corners fully at 100 and leaves the centre', () => {
    const img = vignette(solid(5, 5, [200, 200, 200, 255]), 100);
    expect(pixel(img, 2, 2)).toEqual([200, 200, 200, 255]);
    expect(pixel(img, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(img, 2, 0)[0]).toBe(100);
  });
});

describe('filters', () => {
  it('a blur keeps a flat image flat and spreads a point', () => {
    expect(gaussianBlur(solid(9, 9, [50, 60, 70, 255]), 2).data).toEqual(solid(9, 9, [50, 60, 70, 255]).data);
    const dot = solid(21, 21, [0, 0, 0, 255]);
    dot.data.set([255, 255, 255, 255], (10 * 21 + 10) * 4);
    const blurred = gaussianBlur(dot, 2);
    const centre = pixel(blurred, 10, 10)[0];
    expect(centre).toBeGreaterThan(0);
    expect(centre).toBeLessThan(255);
    expect(pixel(blurred, 12, 10)[0]).toBeGreaterThan(0);
    expect(pixel(blurred, 10, 12)[0]).toBe(pixel(blurred, 12, 10)[0]);
    expect(pixel(blurred, 0, 0)[0]).toBe(0);
  });

  it('blur strength 100 is a sigma of 5; tiny strengths stay at 0.5', () => {
    expect(blurSigma(100)).toBe(5);
    expect(blurSigma(1)).toBe(0.5);
  });

  it('unsharp leaves flat areas and steepens an edge', () => {
    expect(unsharp(solid(8, 8, [100, 100, 100, 255]), 1, 1).data).toEqual(solid(8, 8, [100, 100, 100, 255]).data);
    const edge = raster(Array.from({ length: 4 }, () => [...Array(4).fill([60, 60, 60, 255]), ...Array(4).fill([180, 180, 180, 255])]));
    const sharp = unsharp(edge, 1, 1);
    expect(pixel(sharp, 3, 1)[0]).toBeLessThan(60);
    expect(pixel(sharp, 4, 1)[0]).toBeGreaterThan(180);
    expect(pixel(sharp, 3, 1)[3]).toBe(255);
  });

  it('pixelate replaces each block by its average, edge blocks included', () => {
    const img = raster([
      [
        [0, 0, 0, 255],
        [100, 0, 0, 255],
        [10, 10, 10, 255],
      ],
      [
        [200, 0, 0, 255],
        [100, 40, 0, 255],
        [30, 30, 30, 255],
      ],
    ]);
    const out = pixelate(img, 2);
    expect(pixel(out, 0, 0)).toEqual([100, 10, 0, 255]);
    expect(pixel(out, 1, 1)).toEqual([100, 10, 0, 255]);
    expect(pixel(out, 2, 0)).toEqual([20, 20, 20, 255]);
  });
});

describe('shapes', () => {
  it('r_max makes an ellipse: corners transparent, centre opaque, edges partly covered', () => {
    const img = roundCorners(solid(20, 20, [9, 9, 9, 255]), { kind: 'max' });
    expect(pixel(img, 0, 0)[3]).toBe(0);
    expect(pixel(img, 10, 10)[3]).toBe(255);
    const edge = pixel(img, 3, 2)[3];
    expect(edge).toBeGreaterThan(0);
    expect(edge).toBeLessThan(255);
    expect(pixel(img, 0, 10)[3]).toBeGreaterThan(0);
  });

  it('a corner radius in pixels only touches that corner', () => {
    const img = roundCorners(solid(10, 10, [1, 2, 3, 255]), { kind: 'px', corners: [4, 0, 0, 0] });
    expect(pixel(img, 0, 0)[3]).toBe(0);
    expect(pixel(img, 9, 0)[3]).toBe(255);
    expect(pixel(img, 9, 9)[3]).toBe(255);
    expect(pixel(img, 0, 9)[3]).toBe(255);
  });

  it('a border grows the image by twice its width', () => {
    const img = border(solid(2, 2, [10, 20, 30, 255]), 1, { r: 255, g: 0, b: 0, a: 255 });
    expect([img.width, img.height]).toEqual([4, 4]);
    expect(pixel(img, 0, 0)).toEqual([255, 0, 0, 255]);
    expect(pixel(img, 1, 1)).toEqual([10, 20, 30, 255]);
    expect(pixel(img, 3, 2)).toEqual([255, 0, 0, 255]);
  });

  it('opacity scales alpha only', () => {
    expect(pixel(opacity(raster([[[7, 8, 9, 255]]]), 50), 0, 0)).toEqual([7, 8, 9, 128]);
  });

  it('trim cuts the edges of the top-left colour', () => {
    const img = solid(5, 5, [255, 255, 255, 255]);
    for (const [x, y] of [
      [2, 1],
      [3, 3],
    ])
      img.data.set([255, 0, 0, 255], (y * 5 + x) * 4);
    const out = trim(img, 10);
    expect([out.width, out.height]).toEqual([2, 3]);
    expect(pixel(out, 0, 0)).toEqual([255, 0, 0, 255]);
    expect(pixel(out, 1, 2)).toEqual([255, 0, 0, 255]);
    expect(pixel(out, 1, 0)).toEqual([255, 255, 255, 255]);
  });

  it('trim leaves an image that is all background', () => {
    const img = solid(3, 3, [5, 5, 5, 255]);
    expect(trim(img, 10)).toBe(img);
  });
});
