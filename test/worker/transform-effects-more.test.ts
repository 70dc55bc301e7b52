import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTransformation } from '../../src/engine/parse';
import { fixture, storeImage, uid } from './support/fixtures';
import { engineStats, transformImage } from '../../src/engine/engine';
import { decode, encodePng, makeRaster, meanDiff, meanLuma, pixel } from './support/images';
import type { Raster } from '../../src/engine/raster';
import { renderSvg } from '../../src/engine/codecs/svg';

/** The effects of Transformations III through the real worker: sizes, colours at known points and the properties each must have. */
const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const T = { timeout: 120_000 };

async function image(path: string): Promise<Raster> {
  const res = await get(path);
  expect(res.status, `${path}: ${res.headers.get('x-cld-error') ?? ''}`).toBe(200);
  return decode(new Uint8Array(await res.arrayBuffer()));
}

function channelMean(r: Raster, c: number): number {
  let s = 0;
  for (let i = c; i < r.data.length; i += 4) s += r.data[i];
  return s / (r.width * r.height);
}

function distinctColours(r: Raster): number {
  const set = new Set<number>();
  for (let i = 0; i < r.data.length; i += 4) set.add((r.data[i] << 16) | (r.data[i + 1] << 8) | r.data[i + 2]);
  return set.size;
}

/** Mean absolute difference between horizontal neighbours (texture and noise raise it). */
function neighbourDiff(r: Raster): number {
  let s = 0;
  for (let y = 0; y < r.height; y++)
    for (let x = 1; x < r.width; x++) s += Math.abs(r.data[(y * r.width + x) * 4 + 1] - r.data[(y * r.width + x - 1) * 4 + 1]);
  return s / (r.height * (r.width - 1));
}

function stddev(r: Raster): number {
  const m = meanLuma(r);
  let s = 0;
  for (let i = 0; i < r.width * r.height; i++)
    s += (0.299 * r.data[i * 4] + 0.587 * r.data[i * 4 + 1] + 0.114 * r.data[i * 4 + 2] - m) ** 2;
  return Math.sqrt(s / (r.width * r.height));
}

/** A smooth colour photo stand-in: gradients in every channel with a few hard edges. */
const photo = makeRaster(96, 64, (x, y) => {
  const edge = x > 48 && y > 20 && y < 44;
  return edge ? [230, 200, 40] : [40 + x * 2, 30 + y * 2, 200 - x];
});

describe('Transformations III effects', () => {
  const ids = { photo: uid('fx3p'), logo: uid('fx3l'), grey: uid('fx3g'), cast: uid('fx3c'), quad: uid('fx3q'), flat: uid('fx3f') };
  beforeAll(async () => {
    await storeImage(ids.photo, encodePng(photo));
    // A transparent canvas with an opaque red square in the middle, and a hole in the square.
    await storeImage(
      ids.logo,
      encodePng(
        makeRaster(40, 40, (x, y) => {
          const inSquare = x >= 10 && x < 30 && y >= 10 && y < 30;
          const hole = x >= 18 && x < 22 && y >= 18 && y < 22;
          return inSquare && !hole ? [220, 20, 20, 255] : [0, 0, 0, 0];
        }),
      ),
    );
    // Narrow mid-grey ramp 90-150 (low contrast, a bit dark).
    await storeImage(ids.grey, encodePng(makeRaster(64, 32, (x) => [90 + x, 90 + x, 90 + x])));
    // A blue cast: every pixel's blue raised, red lowered.
    await storeImage(ids.cast, encodePng(makeRaster(64, 32, (x, y) => [20 + x * 2, 40 + y * 4, 120 + x])));
    // Four coloured quadrants.
    await storeImage(
      ids.quad,
      encodePng(makeRaster(40, 40, (x, y) => (y < 20 ? (x < 20 ? [255, 0, 0] : [0, 255, 0]) : x < 20 ? [0, 0, 255] : [255, 255, 0]))),
    );
    // White background with a green disc and a blue dot.
    await storeImage(
      ids.flat,
      encodePng(
        makeRaster(48, 48, (x, y) =>
          (x - 24) ** 2 + (y - 24) ** 2 < 100 ? [20, 180, 40] : (x - 6) ** 2 + (y - 6) ** 2 < 4 ? [0, 0, 255] : [255, 255, 255],
        ),
      ),
    );
  });

  it('e_red / e_green / e_blue scale one channel by 1 + level/100 and leave the others', T, async () => {
    const src = await image(`${ids.photo}.png`);
    const red = await image(`e_red:50/${ids.photo}.png`);
    const blue = await image(`e_blue:-100/${ids.photo}.png`);
    const green = await image(`e_green/${ids.photo}.png`);
    expect(pixel(red, 5, 5)).toEqual([Math.min(255, Math.round(pixel(src, 5, 5)[0] * 1.5)), pixel(src, 5, 5)[1], pixel(src, 5, 5)[2], 255]);
    expect(channelMean(blue, 2)).toBe(0);
    expect(meanDiff(green, src)).toBe(0);
  });

  it('e_noise adds deterministic noise that keeps the mean and grows with the level', T, async () => {
    const src = await image(`${ids.grey}.png`);
    const a = await image(`e_noise:40/${ids.grey}.png`);
    const b = await image(`e_noise:40/${ids.grey}.png`);
    const strong = await image(`e_noise:90/${ids.grey}.png`);
    expect(meanDiff(a, b)).toBe(0);
    expect(Math.abs(meanLuma(a) - meanLuma(src))).toBeLessThan(3);
    expect(meanDiff(a, src)).toBeGreaterThan(10);
    expect(meanDiff(strong, src)).toBeGreaterThan(meanDiff(a, src));
    expect(meanDiff(await image(`e_noise/${ids.grey}.png`), src)).toBe(0);
  });

  it('e_auto_contrast spreads a narrow ramp over 0-255; blend mixes it back', T, async () => {
    const out = await image(`e_auto_contrast/${ids.grey}.png`);
    expect(pixel(out, 0, 0)[0]).toBeLessThan(8);
    expect(pixel(out, 63, 0)[0]).toBeGreaterThan(247);
    const half = await image(`e_auto_contrast:50/${ids.grey}.png`);
    expect(Math.abs(pixel(half, 0, 0)[0] - (90 + pixel(out, 0, 0)[0]) / 2)).toBeLessThanOrEqual(1);
  });

  it('e_auto_brightness takes the mean luma to mid-grey', T, async () => {
    const dark = await image(`e_brightness:-60/${ids.grey}.png`);
    expect(meanLuma(dark)).toBeLessThan(60);
    const out = await image(`e_brightness:-60/e_auto_brightness/${ids.grey}.png`);
    expect(Math.abs(meanLuma(out) - 128)).toBeLessThan(12);
  });

  it('e_auto_color removes a colour cast (channel means come together) and e_improve does too', T, async () => {
    const src = await image(`${ids.cast}.png`);
    const spread = (r: Raster) =>
      Math.max(channelMean(r, 0), channelMean(r, 1), channelMean(r, 2)) - Math.min(channelMean(r, 0), channelMean(r, 1), channelMean(r, 2));
    const out = await image(`e_auto_color/${ids.cast}.png`);
    expect(spread(src)).toBeGreaterThan(50);
    expect(spread(out)).toBeLessThan(spread(src) / 3);
    for (const mode of ['', ':indoor', ':outdoor:80'])
      expect(spread(await image(`e_improve${mode}/${ids.cast}.png`))).toBeLessThan(spread(src) / 2);
  });

  it('e_fill_light brightens the shadows more than the highlights; bias strengthens it', T, async () => {
    const src = await image(`${ids.grey}.png`);
    const out = await image(`e_fill_light/${ids.grey}.png`);
    const more = await image(`e_fill_light:100:50/${ids.grey}.png`);
    const gainDark = pixel(out, 0, 0)[0] - pixel(src, 0, 0)[0];
    const gainLight = pixel(out, 63, 0)[0] - pixel(src, 63, 0)[0];
    expect(gainDark).toBeGreaterThan(gainLight);
    expect(gainLight).toBeGreaterThan(0);
    expect(pixel(more, 0, 0)[0]).toBeGreaterThan(pixel(out, 0, 0)[0]);
  });

  it('e_make_transparent clears the background connected to the edges, or every pixel of co_', T, async () => {
    const out = await image(`e_make_transparent/${ids.flat}.png`);
    expect(pixel(out, 0, 47)[3]).toBe(0);
    expect(pixel(out, 24, 24)[3]).toBe(255);
    const byColour = await image(`co_rgb:14b428,e_make_transparent:5/${ids.flat}.png`);
    expect(pixel(byColour, 24, 24)[3]).toBe(0);
    expect(pixel(byColour, 0, 0)[3]).toBe(255);
  });

  it('e_replace_color moves the predominant (or given) colour to the new one and leaves others', T, async () => {
    const out = await image(`e_replace_color:red:20/${ids.flat}.png`);
    expect(pixel(out, 0, 0).slice(0, 3)).toEqual([255, 0, 0]);
    expect(pixel(out, 24, 24).slice(0, 3)).toEqual([20, 180, 40]);
    const given = await image(`e_replace_color:orange:30:rgb:14b428/${ids.flat}.png`);
    expect(pixel(given, 24, 24).slice(0, 3)).toEqual([255, 165, 0]);
    expect(pixel(given, 0, 0).slice(0, 3)).toEqual([255, 255, 255]);
  });

  it('e_shadow grows the canvas by the offset and blur and draws co_ behind the silhouette', T, async () => {
    const out = await image(`co_blue,e_shadow:100,x_10,y_10/${ids.logo}.png`);
    expect(out.width).toBeGreaterThan(50);
    expect(out.height).toBe(out.width);
    // Where the red square landed: its top-left corner is the first opaque red pixel on the diagonal.
    let at = 0;
    while (pixel(out, at, at)[0] !== 220) at++;
    expect(pixel(out, at + 5, at + 5)).toEqual([220, 20, 20, 255]);
    // Inside the shadow but outside the square (5 px beyond its bottom-right corner): pure blue, mostly opaque.
    const [r, g, b, a] = pixel(out, at + 25, at + 25);
    expect([r, g, b]).toEqual([0, 0, 255]);
    expect(a).toBeGreaterThan(100);
    expect(pixel(out, 0, 0)[3]).toBe(0);
    const light = await image(`co_blue,e_shadow:30,x_10,y_10/${ids.logo}.png`);
    let at2 = 0;
    while (pixel(light, at2, at2)[0] !== 220) at2++;
    expect(pixel(light, at2 + 25, at2 + 25)[3]).toBeLessThan(a);
  });

  it('e_outline draws the band outside, inside or both, and fills enclosed holes in the _fill modes', T, async () => {
    const outer = await image(`co_black,e_outline:outer:4/${ids.logo}.png`);
    expect([outer.width, outer.height]).toEqual([48, 48]);
    // 2 px left of the square's left edge (x = 10 + 4 margin): black, opaque.
    expect(pixel(outer, 12, 24)).toEqual([0, 0, 0, 255]);
    expect(pixel(outer, 20, 24)).toEqual([220, 20, 20, 255]);
    const inner = await image(`co_black,e_outline:inner:3/${ids.logo}.png`);
    expect([inner.width, inner.height]).toEqual([40, 40]);
    expect(pixel(inner, 11, 20)).toEqual([0, 0, 0, 255]);
    expect(pixel(inner, 8, 20)[3]).toBe(0);
    expect(pixel(inner, 20, 20)[3]).toBe(0);
    const fill = await image(`co_black,e_outline:inner_fill:3/${ids.logo}.png`);
    expect(pixel(fill, 20, 20)).toEqual([0, 0, 0, 255]);
    const both = await image(`e_outline/${ids.logo}.png`);
    expect([both.width, both.height]).toEqual([50, 50]);
    const blurred = await image(`e_outline:outer:4:200/${ids.logo}.png`);
    expect(pixel(blurred, 12, 24)[3]).toBeLessThan(255);
  });

  it('e_gradient_fade fades the left edge by default, x_/y_ choose edges, symmetric both sides', T, async () => {
    const out = await image(`e_gradient_fade/${ids.photo}.png`);
    expect(pixel(out, 0, 30)[3]).toBeLessThan(20);
    expect(pixel(out, 95, 30)[3]).toBe(255);
    const bottom = await image(`e_gradient_fade,y_-0.5/${ids.photo}.png`);
    expect(pixel(bottom, 50, 63)[3]).toBeLessThan(20);
    expect(pixel(bottom, 50, 0)[3]).toBe(255);
    const sym = await image(`e_gradient_fade:symmetric,x_20/${ids.photo}.png`);
    expect(pixel(sym, 0, 30)[3]).toBeLessThan(20);
    expect(pixel(sym, 95, 30)[3]).toBeLessThan(20);
    expect(pixel(sym, 48, 30)[3]).toBe(255);
    const pad = await image(`b_red,e_gradient_fade:symmetric_pad,x_20/${ids.photo}.png`);
    expect(pixel(pad, 0, 30)[3]).toBe(255);
    expect(pixel(pad, 0, 30)[0]).toBeGreaterThan(240);
  });

  it('e_blur_region and e_pixelate_region change only the x,y,w,h region (w_/h_ are not a resize there)', T, async () => {
    const src = await image(`${ids.quad}.png`);
    const out = await image(`e_pixelate_region:10,h_10,w_10,x_15,y_15/${ids.quad}.png`);
    expect([out.width, out.height]).toEqual([40, 40]);
    // The one 10x10 block at (15,15) straddles the four quadrants: one uniform average of them.
    expect(pixel(out, 15, 15)).toEqual(pixel(out, 24, 24));
    expect(pixel(out, 15, 15)).toEqual([128, 128, 64, 255]);
    expect(pixel(out, 5, 5)).toEqual(pixel(src, 5, 5));
    expect(pixel(out, 35, 35)).toEqual(pixel(src, 35, 35));
    const blurred = await image(`e_blur_region:400,h_20,w_20,x_10,y_10/${ids.quad}.png`);
    expect(pixel(blurred, 19, 19)).not.toEqual(pixel(src, 19, 19));
    expect(pixel(blurred, 5, 35)).toEqual(pixel(src, 5, 35));
    const whole = await image(`e_pixelate_region:20/${ids.photo}.png`);
    expect(pixel(whole, 0, 0)).toEqual(pixel(whole, 19, 19));
  });

  it('e_shear slants the image into its bounding box; e_distort moves the corners; e_distort:arc bends it', T, async () => {
    const sheared = await image(`e_shear:20:0/${ids.quad}.png`);
    expect(sheared.width).toBe(40 + Math.ceil(40 * Math.tan((20 * Math.PI) / 180)));
    expect(sheared.height).toBe(40);
    // Top-left corner is transparent (the slant starts there), the top row's red still lies on the left.
    expect(pixel(sheared, 0, 0)[3]).toBe(255);
    expect(pixel(sheared, 0, 39)[3]).toBe(0);
    const d = await image(`e_distort:0:0:40:10:40:30:0:40/${ids.quad}.png`);
    expect([d.width, d.height]).toEqual([40, 40]);
    expect(pixel(d, 2, 5).slice(0, 3)).toEqual([255, 0, 0]);
    expect(pixel(d, 38, 2)[3]).toBe(0);
    expect(pixel(d, 37, 13).slice(0, 3)).toEqual([0, 255, 0]);
    expect(pixel(d, 37, 27).slice(0, 3)).toEqual([255, 255, 0]);
    // 64x32 bent over 60°: outer radius 64 / (π/3) = 61.1, inner 29.1; the box is 2·61.1·sin 30° wide, 61.1 − 29.1·cos 30° high.
    const bent = await image(`e_distort:arc:60/${ids.grey}.png`);
    expect(Math.abs(bent.width - 61.1)).toBeLessThan(2);
    expect(Math.abs(bent.height - (61.1 - 29.1 * Math.cos(Math.PI / 6)))).toBeLessThan(2);
    expect(pixel(bent, Math.floor(bent.width / 2), 1)[3]).toBe(255);
    expect(pixel(bent, Math.floor(bent.width / 2), bent.height - 1)[3]).toBe(0);
    const down = await image(`e_distort:arc:-60/${ids.grey}.png`);
    expect(pixel(down, Math.floor(down.width / 2), 0)[3]).toBe(0);
    expect(pixel(down, Math.floor(down.width / 2), down.height - 2)[3]).toBe(255);
  });

  it('e_cartoonify posterises and draws dark lines at edges; bw is grey', T, async () => {
    const src = await image(`${ids.photo}.png`);
    const out = await image(`e_cartoonify/${ids.photo}.png`);
    expect(distinctColours(out)).toBeLessThan(distinctColours(src) / 4);
    // The yellow block's left edge (x 48/49) gets a black line; the block's inside does not.
    expect(Math.min(...[46, 47, 48, 49, 50, 51].map((x) => pixel(out, x, 32)[0]))).toBe(0);
    expect(pixel(out, 70, 32)[0]).toBeGreaterThan(150);
    const bw = await image(`e_cartoonify:50:bw/${ids.photo}.png`);
    for (let i = 0; i < bw.data.length; i += 4) expect(bw.data[i]).toBe(bw.data[i + 2]);
    const noLines = await image(`e_cartoonify:0:100/${ids.photo}.png`);
    expect(distinctColours(noLines)).toBeLessThanOrEqual(8);
  });

  it('e_oil_paint flattens texture into strokes but keeps hard edges', T, async () => {
    const noisy = await image(`e_noise:30/${ids.photo}.png`);
    const painted = await image(`e_noise:30/e_oil_paint:60/${ids.photo}.png`);
    expect(stddev(painted)).toBeGreaterThan(0);
    expect(neighbourDiff(painted)).toBeLessThan(neighbourDiff(noisy) / 2);
    // The yellow block stays yellow next to the blue ramp.
    expect(pixel(painted, 60, 30)[0]).toBeGreaterThan(180);
    expect(pixel(painted, 30, 30)[2]).toBeGreaterThan(120);
  });

  it('e_art: every named filter runs and keeps the size; monochrome ones are grey, warm and cool ones lean as named', T, async () => {
    const names =
      'al_dente athena audrey aurora daguerre eucalyptus fes frost hairspray hokusai incognito linen peacock primavera quartz red_rock refresh sizzle sonnet ukulele zorro'.split(
        ' ',
      );
    const grey = await image(`${ids.grey}.png`);
    const seen: Raster[] = [];
    for (const name of names) {
      const out = await image(`e_art:${name}/${ids.grey}.png`);
      expect([out.width, out.height]).toEqual([64, 32]);
      expect(meanDiff(out, grey), name).toBeGreaterThan(1);
      for (const other of seen) expect(meanDiff(out, other), name).toBeGreaterThan(0);
      seen.push(out);
    }
    for (const name of ['audrey', 'incognito', 'zorro']) {
      const out = await image(`e_art:${name}/${ids.photo}.png`);
      for (let i = 0; i < out.data.length; i += 4) expect(out.data[i]).toBe(out.data[i + 1]);
    }
    const frost = await image(`e_art:frost/${ids.grey}.png`);
    expect(channelMean(frost, 2)).toBeGreaterThan(channelMean(frost, 0));
    const redRock = await image(`e_art:red_rock/${ids.grey}.png`);
    expect(channelMean(redRock, 0)).toBeGreaterThan(channelMean(redRock, 2) + 20);
  });

  it('e_vectorize reduces the image to at most `colors` flat colours', T, async () => {
    const out = await image(`e_vectorize:3/${ids.photo}.png`);
    expect([out.width, out.height]).toEqual([96, 64]);
    expect(distinctColours(out)).toBeLessThanOrEqual(3);
    const more = await image(`e_vectorize:12:1.0:0/${ids.photo}.png`);
    expect(distinctColours(more)).toBeGreaterThan(3);
    expect(distinctColours(more)).toBeLessThanOrEqual(12);
  });

  it('e_vectorize with f_svg traces the regions into paths that render back to the raster result', T, async () => {
    const res = await get(`e_vectorize:4:1.0:0/${ids.photo}.svg`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    const svg = new TextDecoder().decode(await res.arrayBuffer());
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="96" height="64" viewBox="0 0 96 64"/);
    const fills = [...svg.matchAll(/fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(new Set(fills).size).toBe(fills.length);
    expect(fills.length).toBeLessThanOrEqual(4);
    expect(svg).not.toMatch(/<script|<image|href/);
    const rendered = await renderSvg(new TextEncoder().encode(svg), 96);
    const raster = await image(`e_vectorize:4:1.0:0/${ids.photo}.png`);
    expect(meanDiff(rendered, raster)).toBeLessThan(1);
    // A lower detail gives a coarser grid: fewer path vertices.
    const coarse = new TextDecoder().decode(await (await get(`e_vectorize:4:16:0/${ids.photo}.svg`)).arrayBuffer());
    expect(coarse).toContain('viewBox="0 0 16 11"');
    expect(coarse.length).toBeLessThan(svg.length);
    const bare = await get(`f_svg/${ids.photo}`);
    expect(bare.status).toBe(400);
    expect(bare.headers.get('x-cld-error')).toMatch(/e_vectorize/);
  });

  it('e_vectorize refuses an SVG past its size bound instead of writing it', T, async () => {
    const checker = uid('fx3checker');
    await storeImage(checker, encodePng(makeRaster(1000, 1000, (x, y) => ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0]))));
    const res = await get(`e_vectorize:2:1000:0/${checker}.svg`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/too detailed/);
  });

  it('a canvas-growing effect is charged for the pixels it makes, and refused beyond the work budget', T, async () => {
    const input = fixture('photo-1mp.jpg');
    const limits = { maxDecodePixels: 7e6, maxJpegDecodePixels: 12e6, maxOutputPixels: 25e6 };
    const run = (t: string, engineWorkPixels?: number) =>
      transformImage(input, parseTransformation(t), { limits: { ...limits, engineWorkPixels }, extension: 'png' });
    await run('c_scale,w_400');
    const plain = engineStats.lastWorkOps;
    const small = await run('c_scale,w_400/e_shear:10:0');
    const smallWork = engineStats.lastWorkOps - plain;
    const wide = await run('c_scale,w_400/e_shear:60:0');
    const wideWork = engineStats.lastWorkOps - plain;
    expect(wide.width).toBeGreaterThan(small.width * 1.5);
    // Work grows with the output's pixels (the encoder's share too), not with the input's.
    expect(wideWork / smallWork).toBeGreaterThan(((wide.width * wide.height) / (small.width * small.height)) * 0.8);
    // The plain run's budget (its encode included) cannot pay for the wide shear's pixels.
    await expect(run('c_scale,w_400/e_shear:60:0', plain + 1)).rejects.toThrow(/shear on .* work budget/);
  });

  it('canonical forms re-parse to themselves', () => {
    for (const t of [
      'e_outline',
      'e_outline:inner:3:100',
      'e_gradient_fade:symmetric_pad:50',
      'e_replace_color:red:20:blue',
      'e_improve:indoor',
      'e_art:zorro',
      'e_distort:arc:-90',
      'e_distort:0:0:40:10:40:30:0:40',
      'e_shear:20:-5',
      'e_vectorize:5:0.5',
      'e_cartoonify:20:bw',
      'e_fill_light:50:-20',
    ]) {
      const once = parseTransformation(t).components[0].canonical;
      expect(parseTransformation(once).components[0].canonical, t).toBe(once);
    }
    expect(parseTransformation('e_outline').components[0].canonical).toBe('e_outline:5:0');
    expect(parseTransformation('e_shadow').components[0].canonical).toBe('e_shadow:40');
  });

  it('out-of-range values and unknown modes answer 400 with X-Cld-Error', T, async () => {
    for (const t of [
      'e_shadow:101',
      'e_outline:sideways',
      'e_outline:outer:0',
      'e_outline:outer:5:2001',
      'e_gradient_fade:diagonal',
      'e_make_transparent:-1',
      'e_replace_color',
      'e_replace_color:notacolour',
      'e_replace_color:red:101',
      'e_improve:underwater',
      'e_auto_contrast:101',
      'e_noise:101',
      'e_red:-101',
      'e_blur_region:0',
      'e_pixelate_region:201',
      'e_fill_light:50:101',
      'e_vectorize:1',
      'e_vectorize:31',
      'e_vectorize:10:1001',
      'e_cartoonify:101',
      'e_cartoonify:50:colour',
      'e_oil_paint:101',
      'e_art',
      'e_art:mona_lisa',
      'e_distort:arc:0',
      'e_distort:arc:361',
      'e_distort:1:2:3',
      'e_shear',
      'e_shear:400:0',
      'e_shear:89.99:0',
      'e_distort:0:0:16000:0:16000:16000:0:16000',
    ]) {
      const res = await get(`${t}/${ids.quad}.png`);
      expect(res.status, t).toBe(400);
      expect(res.headers.get('x-cld-error'), t).toMatch(/Invalid|effect/);
    }
  });
});
