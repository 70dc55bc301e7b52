import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTransformation } from '../../src/engine/parse';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, encodePng, gifFrames, makeRaster, meanDiff, meanLuma, pixel } from './support/images';
import type { Raster } from '../../src/engine/raster';

const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const T = { timeout: 120_000 };

async function image(path: string): Promise<Raster> {
  const res = await get(path);
  expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
  return decode(new Uint8Array(await res.arrayBuffer()));
}

/** Sum of absolute differences between horizontal neighbours: what a blur lowers and a sharpen raises. */
function edgeEnergy(r: Raster): number {
  let s = 0;
  for (let y = 0; y < r.height; y++)
    for (let x = 1; x < r.width; x++) s += Math.abs(r.data[(y * r.width + x) * 4] - r.data[(y * r.width + x - 1) * 4]);
  return s;
}

/** Mean saturation proxy: the average of max(R,G,B) - min(R,G,B). */
function chroma(r: Raster): number {
  let s = 0;
  for (let i = 0; i < r.data.length; i += 4)
    s += Math.max(r.data[i], r.data[i + 1], r.data[i + 2]) - Math.min(r.data[i], r.data[i + 1], r.data[i + 2]);
  return s / (r.width * r.height);
}

describe('effects (e_)', () => {
  const colours = uid('colours');
  const stripes = uid('stripes');
  beforeAll(async () => {
    // Colourful: red / green / blue / orange quadrants, plus a mid-grey band.
    await storeImage(
      colours,
      encodePng(
        makeRaster(64, 64, (x, y) =>
          y >= 56 ? [128, 128, 128] : x < 32 ? (y < 28 ? [220, 40, 30] : [30, 200, 60]) : y < 28 ? [40, 60, 210] : [240, 160, 20],
        ),
      ),
    );
    // Sharp vertical black/white stripes 4 px wide.
    await storeImage(stripes, encodePng(makeRaster(64, 32, (x) => ((x >> 2) % 2 ? [255, 255, 255] : [0, 0, 0]))));
  });

  it('grayscale gives R=G=B everywhere', T, async () => {
    const g = await image(`e_grayscale/${colours}.png`);
    for (let i = 0; i < g.data.length; i += 4) {
      expect(g.data[i]).toBe(g.data[i + 1]);
      expect(g.data[i + 1]).toBe(g.data[i + 2]);
    }
    expect(pixel(g, 5, 5)[0]).toBe(Math.round(0.299 * 220 + 0.587 * 40 + 0.114 * 30));
  });

  it('blackwhite leaves only 0 and 255', T, async () => {
    const bw = await image(`e_blackwhite/${colours}.png`);
    const values = new Set<number>();
    for (let i = 0; i < bw.data.length; i += 4) values.add(bw.data[i]);
    expect([...values].sort((a, b) => a - b)).toEqual([0, 255]);
  });

  it('negate inverts a known pixel', T, async () => {
    const n = await image(`e_negate/${colours}.png`);
    expect(pixel(n, 5, 5)).toEqual([255 - 220, 255 - 40, 255 - 30, 255]);
  });

  it('sepia makes red > green > blue on grey', T, async () => {
    const s = await image(`e_sepia/${colours}.png`);
    const [r, g, b] = pixel(s, 5, 60);
    expect(r).toBeGreaterThan(g);
    expect(g).toBeGreaterThan(b);
  });

  it('blur lowers edge energy, more with a higher strength; sharpen and unsharp_mask raise it on a soft edge', T, async () => {
    const original = edgeEnergy(await image(`${stripes}.png`));
    const soft = edgeEnergy(await image(`e_blur:100/${stripes}.png`));
    const softer = edgeEnergy(await image(`e_blur:1000/${stripes}.png`));
    expect(soft).toBeLessThan(original * 0.7);
    expect(softer).toBeLessThan(soft);
    const blurred = edgeEnergy(await image(`e_blur:40/${stripes}.png`));
    const resharpened = edgeEnergy(await image(`e_blur:40/e_sharpen:400/${stripes}.png`));
    const unsharpened = edgeEnergy(await image(`e_blur:40/e_unsharp_mask:400/${stripes}.png`));
    expect(resharpened).toBeGreaterThan(blurred);
    expect(unsharpened).toBeGreaterThan(blurred);
  });

  it('pixelate makes uniform blocks of the given size', T, async () => {
    const p = await image(`e_pixelate:16/${stripes}.png`);
    // Every 16x16 block of 4-px stripes averages to the same grey.
    for (const [x, y] of [
      [0, 0],
      [15, 15],
      [17, 3],
      [40, 20],
    ])
      expect(pixel(p, x, y)[0]).toBeCloseTo(128, -1);
  });

  it('brightness, contrast and gamma move the mean and spread as their sign says', T, async () => {
    const base = meanLuma(await image(`${colours}.png`));
    expect(meanLuma(await image(`e_brightness:50/${colours}.png`))).toBeGreaterThan(base + 20);
    expect(meanLuma(await image(`e_brightness:-50/${colours}.png`))).toBeLessThan(base - 20);
    expect(meanLuma(await image(`e_gamma:100/${colours}.png`))).toBeGreaterThan(base);
    const flat = await image(`e_contrast:-100/${colours}.png`);
    expect(pixel(flat, 5, 5).slice(0, 3)).toEqual([128, 128, 128]);
    expect(edgeEnergy(await image(`e_contrast:100/${stripes}.png`))).toBeGreaterThanOrEqual(edgeEnergy(await image(`${stripes}.png`)));
  });

  it('saturation and vibrance change chroma; hue turns red towards green', T, async () => {
    const base = chroma(await image(`${colours}.png`));
    expect(chroma(await image(`e_saturation:-100/${colours}.png`))).toBeLessThan(2);
    expect(chroma(await image(`e_saturation:50/${colours}.png`))).toBeGreaterThan(base);
    expect(chroma(await image(`e_vibrance:80/${colours}.png`))).toBeGreaterThan(base);
    const turned = pixel(await image(`e_hue:67/${colours}.png`), 5, 5);
    expect(turned[1]).toBeGreaterThan(turned[0]);
  });

  it('colorize blends to co_, tint keeps luminance in the given colour', T, async () => {
    expect(pixel(await image(`co_rgb:00ff00,e_colorize/${colours}.png`), 5, 5)).toEqual([0, 255, 0, 255]);
    const half = pixel(await image(`co_blue,e_colorize:50/${colours}.png`), 5, 60);
    expect(half).toEqual([64, 64, 192, 255]);
    const t = pixel(await image(`e_tint:100:blue/${colours}.png`), 5, 60);
    expect(t[2]).toBeGreaterThan(200);
    expect(t[0]).toBe(0);
  });

  it('vignette darkens corners and keeps the centre', T, async () => {
    const v = await image(`e_vignette:80/${stripes}.png`);
    expect(pixel(v, 4, 0)[0]).toBeLessThan(150);
    const centre = await image(`${stripes}.png`);
    expect(Math.abs(pixel(v, 32, 16)[0] - pixel(centre, 32, 16)[0])).toBeLessThan(10);
  });

  it('trim cuts a uniform border within the tolerance', T, async () => {
    const id = uid('framed');
    await storeImage(id, encodePng(makeRaster(50, 40, (x, y) => (x >= 10 && x < 30 && y >= 5 && y < 25 ? [200, 0, 0] : [250, 250, 250]))));
    const t = await image(`e_trim/${id}.png`);
    expect([t.width, t.height]).toEqual([20, 20]);
    expect(pixel(t, 0, 0)).toEqual([200, 0, 0, 255]);
  });

  it('refuses bad values with Cloudinary wording', T, async () => {
    for (const [t, msg] of [
      ['e_blur:0', 'Invalid effect in transformation: blur:0'],
      ['e_blur:abc', 'Invalid effect in transformation: blur:abc'],
      ['e_brightness:101', 'Invalid effect in transformation: brightness:101'],
      ['e_grayscale:5', 'Invalid effect in transformation: grayscale:5'],
      ['e_wobble', 'Invalid effect in transformation: wobble'],
      ['e_background_removal', 'Effect background_removal is not supported'],
      ['o_101', 'Invalid opacity in transformation: 101'],
      ['r_-3', 'Invalid radius in transformation: -3'],
      ['bo_5px_dashed_red', 'Invalid border in transformation: 5px_dashed_red'],
      ['bo_5px_solid_nocolour', 'Invalid border in transformation: 5px_solid_nocolour'],
      ['co_zzz', 'Invalid color in transformation: zzz'],
    ]) {
      const res = await get(`${t}/${colours}.png`);
      expect(res.status, t).toBe(400);
      expect(res.headers.get('x-cld-error')).toBe(msg);
    }
  });

  it('writes canonical forms with defaults filled in, order-independent', () => {
    expect(parseTransformation('e_blur').canonical).toBe('e_blur:100');
    expect(parseTransformation('e_sepia:80').canonical).toBe('e_sepia:80');
    expect(parseTransformation('w_10,e_grayscale,o_50').canonical).toBe(parseTransformation('o_50,e_grayscale,w_10').canonical);
    expect(parseTransformation('r_10:20:10:20').canonical).toBe('r_10:20');
    expect(parseTransformation('bo_3px_solid_red').canonical).toBe('bo_3px_solid_rgb:ff0000');
    expect(parseTransformation('co_red,e_colorize').canonical).toBe('co_rgb:ff0000,e_colorize:100');
  });
});

describe('opacity, rounded corners and borders', () => {
  const solid = uid('solid');
  beforeAll(async () => {
    await storeImage(solid, encodePng(makeRaster(60, 40, () => [20, 120, 220])));
  });

  it('o_ scales alpha in PNG and blends with white in JPEG', T, async () => {
    expect(pixel(await image(`o_50/${solid}.png`), 10, 10)).toEqual([20, 120, 220, 128]);
    const jpg = pixel(await image(`o_50/${solid}.jpg`), 30, 20);
    expect(jpg[0]).toBeGreaterThan(120);
    expect(jpg[2]).toBeGreaterThan(225);
  });

  it('r_max leaves the corners transparent in PNG and background-coloured in JPEG', T, async () => {
    const png = await image(`r_max/${solid}.png`);
    expect(pixel(png, 0, 0)[3]).toBe(0);
    expect(pixel(png, 59, 39)[3]).toBe(0);
    expect(pixel(png, 30, 20)).toEqual([20, 120, 220, 255]);
    expect(pixel(png, 30, 0)[3]).toBeGreaterThan(0);
    const jpg = await image(`r_max,b_black/${solid}.jpg`);
    // Black (JPEG ringing near the curve allows a little), far from the image's blue of 220.
    expect(
      pixel(jpg, 0, 0)
        .slice(0, 3)
        .every((v) => v < 40),
      String(pixel(jpg, 0, 0)),
    ).toBe(true);
    const white = await image(`r_max/${solid}.jpg`);
    expect(
      pixel(white, 0, 0)
        .slice(0, 3)
        .every((v) => v > 215),
      String(pixel(white, 0, 0)),
    ).toBe(true);
  });

  it('r_ with per-corner radii rounds only the given corners', T, async () => {
    const png = await image(`r_0:15:0:0/${solid}.png`);
    expect(pixel(png, 0, 0)[3]).toBe(255);
    expect(pixel(png, 59, 0)[3]).toBe(0);
    expect(pixel(png, 59, 39)[3]).toBe(255);
    expect(pixel(png, 0, 39)[3]).toBe(255);
  });

  it('bo_ draws a border of the given width and colour around the image', T, async () => {
    const b = await image(`bo_5px_solid_red/${solid}.png`);
    expect([b.width, b.height]).toEqual([70, 50]);
    for (const [x, y] of [
      [0, 0],
      [69, 49],
      [4, 25],
      [35, 4],
      [65, 45],
    ])
      expect(pixel(b, x, y), `${x},${y}`).toEqual([255, 0, 0, 255]);
    expect(pixel(b, 5, 5)).toEqual([20, 120, 220, 255]);
    const hex = await image(`bo_2px_solid_rgb:00ff00/${solid}.png`);
    expect(pixel(hex, 0, 0)).toEqual([0, 255, 0, 255]);
  });
});

describe('fl_getinfo', () => {
  it('answers JSON with the input and output sizes and formats', T, async () => {
    const id = uid('info');
    const png = encodePng(makeRaster(120, 80, () => [10, 20, 30]));
    await storeImage(id, png);
    const res = await get(`c_scale,w_60,fl_getinfo/${id}.jpg`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const info = (await res.json()) as { input: Record<string, unknown>; output: Record<string, unknown> };
    expect(info.input).toEqual({ width: 120, height: 80, bytes: png.length, format: 'png' });
    expect(info.output).toMatchObject({ width: 60, height: 40, format: 'jpg' });
    expect(info.output.bytes).toBeGreaterThan(100);
  });
});

describe('pg_ (frames of an animated GIF)', () => {
  it('decodes frame 1 exactly as the default decoder does, later frames differently, and refuses a missing page', T, async () => {
    const id = uid('anim');
    const gif = fixture('animated.gif');
    await storeImage(id, gif);
    const frames = gifFrames(gif);
    expect(frames).toBeGreaterThan(1);
    const first = await image(`c_scale,w_1.0/${id}.png`);
    const page1 = await image(`pg_1/${id}.png`);
    expect(meanDiff(first, page1)).toBe(0);
    const last = await image(`pg_${frames}/${id}.png`);
    expect([last.width, last.height]).toEqual([first.width, first.height]);
    expect(meanDiff(first, last)).toBeGreaterThan(1);
    const missing = await get(`pg_${frames + 1}/${id}.png`);
    expect(missing.status).toBe(400);
    expect(missing.headers.get('x-cld-error')).toBe(`Invalid page in transformation: ${frames + 1} (the image has ${frames} pages)`);
    const still = uid('still');
    await storeImage(still, encodePng(makeRaster(10, 10, () => [1, 2, 3])));
    expect((await get(`pg_2/${still}.png`)).status).toBe(400);
    // Ranges keep frames of an animation; a still has one, so a still format gives it.
    const ranged = await get(`pg_2-3/${id}.gif`);
    expect(ranged.status, ranged.headers.get('x-cld-error') ?? '').toBe(200);
    expect(gifFrames(new Uint8Array(await ranged.arrayBuffer()))).toBe(2);
    expect((await get(`pg_3-2/${id}.gif`)).headers.get('x-cld-error')).toBe('Invalid page in transformation: 3-2');
  });
});
