import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTransformation } from '../../src/engine/parse';
import type { Raster } from '../../src/engine/raster';
import { storeImage, uid } from './support/fixtures';
import { decode, encodePng, makeRaster, pixel } from './support/images';

/** b_auto in its documented forms and b_blurred, as the padding of c_pad. */
const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const T = { timeout: 120_000 };

async function image(path: string): Promise<Raster> {
  const res = await get(path);
  expect(res.status, `${path}: ${res.headers.get('x-cld-error') ?? ''}`).toBe(200);
  return decode(new Uint8Array(await res.arrayBuffer()));
}

const near = (a: number[], b: number[], tol = 3) => a.slice(0, 3).every((v, i) => Math.abs(v - b[i]) <= tol);
const GREEN = [20, 160, 40];
const RED = [200, 30, 30];

describe('automatic and blurred backgrounds for pads', () => {
  const framed = uid('framed');
  beforeAll(async () => {
    // 40x20: a 2 px green frame around red.
    await storeImage(
      framed,
      encodePng(makeRaster(40, 20, (x, y) => (x < 2 || y < 2 || x >= 38 || y >= 18 ? GREEN : RED) as [number, number, number])),
    );
  });

  it('b_auto (border) takes the edge colour, predominant the whole image, _contrast the opposite', T, async () => {
    expect(near(pixel(await image(`c_pad,w_40,h_40,b_auto/${framed}.png`), 20, 2), GREEN)).toBe(true);
    expect(near(pixel(await image(`c_pad,w_40,h_40,b_auto:border/${framed}.png`), 20, 2), GREEN)).toBe(true);
    expect(near(pixel(await image(`c_pad,w_40,h_40,b_auto:predominant/${framed}.png`), 20, 2), RED)).toBe(true);
    const contrast = pixel(await image(`c_pad,w_40,h_40,b_auto:border_contrast/${framed}.png`), 20, 2);
    expect(
      near(
        contrast,
        GREEN.map((v) => 255 - v),
      ),
    ).toBe(true);
    const predominantContrast = pixel(await image(`c_pad,w_40,h_40,b_auto:predominant_contrast/${framed}.png`), 20, 2);
    expect(
      near(
        predominantContrast,
        RED.map((v) => 255 - v),
      ),
    ).toBe(true);
    // The image itself is untouched in the middle.
    expect(near(pixel(await image(`c_pad,w_40,h_40,b_auto/${framed}.png`), 20, 20), RED)).toBe(true);
  });

  it('b_auto gradients run between the most common colours in the direction asked', T, async () => {
    const v = await image(`c_pad,w_40,h_40,b_auto:predominant_gradient:2:vertical/${framed}.png`);
    expect(near(pixel(v, 20, 0), RED)).toBe(true);
    expect(near(pixel(v, 20, 39), GREEN)).toBe(true);
    const h = await image(`c_pad,w_40,h_40,b_auto:predominant_gradient/${framed}.png`);
    expect(near(pixel(h, 0, 2), RED)).toBe(true);
    expect(near(pixel(h, 39, 2), GREEN)).toBe(true);
    const palette = await image(`c_pad,w_40,h_40,b_auto:predominant:palette_white_black/${framed}.png`);
    expect(pixel(palette, 20, 2).slice(0, 3)).toEqual([0, 0, 0]);
  });

  it('b_blurred fills the padding with the blurred image, darker with a negative brightness', T, async () => {
    const blurred = await image(`c_pad,w_40,h_80,b_blurred:400/${framed}.png`);
    const top = pixel(blurred, 20, 5);
    expect(top[0]).toBeGreaterThan(top[2] + 30);
    const dark = pixel(await image(`c_pad,w_40,h_80,b_blurred:400:-50/${framed}.png`), 20, 5);
    expect(dark[0]).toBeLessThan(top[0] - 20);
    expect(near(pixel(blurred, 20, 40), RED)).toBe(true);
  });

  it('writes canonical forms and refuses bad ones', T, async () => {
    expect(parseTransformation('b_auto,c_pad,w_10').canonical).toBe('b_auto:border,c_pad,w_10');
    expect(parseTransformation('b_auto:border_gradient_contrast:4:diagonal_desc').canonical).toBe(
      'b_auto:border_gradient_contrast:4:diagonal_desc',
    );
    expect(parseTransformation('b_blurred').canonical).toBe('b_blurred:100:0');
    for (const bad of ['b_auto:bogus', 'b_auto:border:4', 'b_blurred:0', 'b_blurred:100:200', 'b_auto:predominant:palette_nocolour']) {
      const res = await get(`${bad},c_pad,w_40,h_40/${framed}.png`);
      expect(res.status, bad).toBe(400);
      expect(res.headers.get('x-cld-error'), bad).toBeTruthy();
    }
  });

  it('leaves rotations and flattening to solid colours', T, async () => {
    const turned = await image(`a_45,b_auto/${framed}.png`);
    expect(pixel(turned, 0, 0)[3]).toBe(0);
    const res = await get(`c_pad,w_40,h_40,b_blurred/${framed}.jpg`);
    expect(res.status).toBe(200);
  });
});
