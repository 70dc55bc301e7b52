import { describe, expect, it } from 'vitest';
import { outputSize, planGeometry } from '../../src/engine/geometry';
import { parseTransformation } from '../../src/engine/parse';

/** [source WxH, transformation, expected output WxH]: every crop mode, with larger and smaller sources. */
const TABLE: [string, string, string][] = [
  ['1000x500', 'c_scale,w_400', '400x200'],
  ['1000x500', 'c_scale,h_100', '200x100'],
  ['1000x500', 'c_scale,w_400,h_400', '400x400'],
  ['1000x500', 'w_0.5', '500x250'],
  ['1000x500', 'w_400,h_100', '400x100'],
  ['1000x500', 'c_scale,ar_1:1,w_400', '400x400'],
  ['1000x500', 'c_fit,w_400,h_400', '400x200'],
  ['1000x500', 'c_fit,w_2000,h_2000', '2000x1000'],
  ['1000x500', 'c_limit,w_400,h_400', '400x200'],
  ['1000x500', 'c_limit,w_2000,h_2000', '1000x500'],
  ['1000x500', 'c_limit,w_2000', '1000x500'],
  ['1000x500', 'c_mfit,w_400,h_400', '1000x500'],
  ['1000x500', 'c_mfit,w_2000,h_2000', '2000x1000'],
  ['1000x500', 'c_fill,w_400,h_400', '400x400'],
  ['1000x500', 'c_fill,w_2000,h_300', '2000x300'],
  ['1000x500', 'c_fill,w_400', '400x200'],
  ['1000x500', 'c_lfill,w_400,h_400', '400x400'],
  ['1000x500', 'c_lfill,w_800,h_800', '500x500'],
  ['200x100', 'c_lfill,w_400,h_100', '200x50'],
  ['1000x500', 'c_fill_pad,g_auto,w_400,h_400', '400x400'],
  ['1000x500', 'c_pad,w_400,h_400', '400x400'],
  ['200x100', 'c_pad,w_400,h_400', '400x400'],
  ['1000x500', 'c_lpad,w_400,h_400', '400x400'],
  ['200x100', 'c_lpad,w_400,h_400', '400x400'],
  ['1000x500', 'c_mpad,w_400,h_400', '1000x500'],
  ['200x100', 'c_mpad,w_400,h_400', '400x400'],
  ['1000x500', 'c_crop,w_300,h_200', '300x200'],
  ['1000x500', 'c_crop,w_3000,h_200', '1000x200'],
  ['1000x500', 'c_crop,w_0.5,h_0.5', '500x250'],
  ['1000x500', 'c_crop,w_300', '300x500'],
  ['1000x500', 'c_crop,ar_1', '500x500'],
  ['1000x500', 'c_crop,x_100,y_50', '900x450'],
  ['1000x500', 'c_thumb,w_100,h_100', '100x100'],
  ['1000x500', 'c_thumb,w_100,h_100,z_2', '100x100'],
  ['1000x500', 'c_fill,dpr_2.0,h_100,w_100', '200x200'],
  ['1000x500', 'ar_16:9,c_fill,w_320', '320x180'],
  ['1000x500', 'ar_16:9,c_fill', '889x500'],
  ['1000x500', 'ar_1:2,c_pad', '1000x2000'],
  ['500x1000', 'c_fit,w_100,h_100', '50x100'],
  ['500x1000', 'c_fill,w_100,h_50', '100x50'],
  ['1x1', 'c_scale,w_0.01', '1x1'],
];

const size = (s: string) => s.split('x').map(Number) as [number, number];

describe('crop modes: source size x parameters -> output size', () => {
  it.each(TABLE)('%s with %s gives %s', (source, t, expected) => {
    const [width, height] = size(source);
    const { params } = parseTransformation(t).components[0];
    const dpr = typeof params.dpr === 'number' ? params.dpr : 1;
    const out = outputSize(planGeometry({ width, height, params, dpr }));
    expect(`${out.width}x${out.height}`).toBe(expected);
  });

  it('places crops by gravity and by x/y from the anchored edge', () => {
    const at = (t: string) =>
      planGeometry({ width: 1000, height: 500, params: parseTransformation(t).components[0].params, dpr: 1 }).region;
    expect(at('c_crop,w_100,h_100')).toEqual({ x: 450, y: 200, width: 100, height: 100 });
    expect(at('c_crop,g_north_west,w_100,h_100')).toEqual({ x: 0, y: 0, width: 100, height: 100 });
    expect(at('c_crop,g_south_east,w_100,h_100')).toEqual({ x: 900, y: 400, width: 100, height: 100 });
    expect(at('c_crop,w_100,h_100,x_10,y_20')).toEqual({ x: 10, y: 20, width: 100, height: 100 });
    expect(at('c_crop,g_south_east,w_100,h_100,x_10,y_20')).toEqual({ x: 890, y: 380, width: 100, height: 100 });
    expect(at('c_crop,g_xy_center,w_100,h_100,x_300,y_300')).toEqual({ x: 250, y: 250, width: 100, height: 100 });
    expect(at('c_crop,g_east,w_100,h_100')).toEqual({ x: 900, y: 200, width: 100, height: 100 });
    expect(at('c_fill,g_west,w_100,h_100')).toEqual({ x: 0, y: 0, width: 500, height: 500 });
    expect(at('c_thumb,w_100,h_100,z_2')).toEqual({ x: 375, y: 125, width: 250, height: 250 });
  });

  it('places padded images by gravity', () => {
    const canvas = (t: string) =>
      planGeometry({ width: 1000, height: 500, params: parseTransformation(t).components[0].params, dpr: 1 }).canvas;
    expect(canvas('c_pad,w_400,h_400')).toEqual({ width: 400, height: 400, x: 0, y: 100 });
    expect(canvas('c_pad,g_north,w_400,h_400')).toEqual({ width: 400, height: 400, x: 0, y: 0 });
    expect(canvas('c_pad,g_south,w_400,h_400')).toEqual({ width: 400, height: 400, x: 0, y: 200 });
  });
});
