import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import cousine from '@expo-google-fonts/cousine/400Regular/Cousine_400Regular.ttf';
import { parseTransformation } from '../../src/engine/parse';
import { storeImage, uid } from './support/fixtures';
import { decode, encodePng, makeRaster, pixel } from './support/images';
import { storeAsset } from '../support/worker-assets';
import type { Raster } from '../../src/engine/raster';
import { woffOf } from './support/woff';
import { cachedFont, FONT_CACHE_BYTES, fontCacheBytes, keepFont } from '../../src/engine/text/font-cache';
import { residentCodecs } from '../../src/engine/codecs/resident';
import type { FontFace } from '../../src/engine/text/fonts';
import { MemoryBudget } from '../../src/engine/budget';
import { renderText } from '../../src/engine/text/render';
import { DEFAULT_STYLE } from '../../src/engine/text/style';

const T = { timeout: 120_000 };
const FUZZED = 12;
/** The OpenType (CFF) fixture, bundled by Vite as a data URL (workerd has no file system). */
const OTF = import.meta.glob('../fixtures/fonts/*.otf', { query: '?inline', import: 'default', eager: true }) as Record<string, string>;
const lobster = () => {
  const url = OTF['../fixtures/fonts/LobsterTwo-Regular.otf'];
  return Uint8Array.from(atob(url.slice(url.indexOf(',') + 1)), (c) => c.charCodeAt(0));
};
const get = (path: string, cloud = 'demo') => SELF.fetch(`http://w/${cloud}/image/upload/${path}`);

async function image(path: string): Promise<Raster> {
  const res = await get(path);
  expect(res.status, `${path}: ${res.headers.get('x-cld-error')}`).toBe(200);
  return decode(new Uint8Array(await res.arrayBuffer()));
}

async function refused(path: string, message: RegExp, status = 400): Promise<void> {
  const res = await get(path);
  expect(res.status, path).toBe(status);
  expect(res.headers.get('x-cld-error') ?? '').toMatch(message);
  await res.arrayBuffer();
}

const isInk = (r: Raster, x: number, y: number) => {
  const [red, g, b] = pixel(r, x, y);
  return red + g + b < 384;
};

/** The bounding box of the dark pixels on the white base. */
function ink(r: Raster): { x: number; y: number; width: number; height: number } {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < r.height; y++)
    for (let x = 0; x < r.width; x++)
      if (isInk(r, x, y)) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Runs of rows with ink, separated by rows without: one per line of text. */
function bands(r: Raster): { top: number; bottom: number; left: number; right: number }[] {
  const out: { top: number; bottom: number; left: number; right: number }[] = [];
  let current: (typeof out)[number] | undefined;
  for (let y = 0; y < r.height; y++) {
    let left = Infinity;
    let right = -1;
    for (let x = 0; x < r.width; x++)
      if (isInk(r, x, y)) {
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    if (right < 0) {
      current = undefined;
      continue;
    }
    if (!current) out.push((current = { top: y, bottom: y, left, right }));
    current.bottom = y;
    current.left = Math.min(current.left, left);
    current.right = Math.max(current.right, right);
  }
  return out;
}

describe('text layers: families, spacing, wrapping, alignment, trimming', () => {
  const base = uid('textbase');
  beforeAll(async () => {
    await storeImage(base, encodePng(makeRaster(900, 500, () => [255, 255, 255])));
  });
  const text = (layer: string, apply = 'fl_layer_apply,g_north_west,x_10,y_10') => image(`${layer}/${apply}/${base}.png`);

  it('draws sans, serif and monospace families with their own glyph widths', T, async () => {
    const word = 'iiiiiiiiii';
    const [sans, helvetica, serif, times, mono, courier] = await Promise.all(
      ['Arial', 'Helvetica', 'Georgia', 'Times%20New%20Roman', 'Courier', 'monospace'].map((f) => text(`l_text:${f}_40:${word}`)),
    );
    expect(ink(helvetica).width).toBe(ink(sans).width);
    expect(ink(times).width).toBe(ink(serif).width);
    expect(ink(courier).width).toBe(ink(mono).width);
    // In a monospace font an i is as wide as any letter (0.6 em); in the proportional ones it is narrow.
    expect(ink(mono).width).toBeGreaterThan(ink(sans).width * 2);
    expect(ink(serif).width).not.toBe(ink(sans).width);
    const [sansW, monoW] = await Promise.all([text('l_text:Arial_40:WWWWW'), text('l_text:Courier_40:WWWWW')]);
    expect(ink(sansW).width).toBeGreaterThan(ink(monoW).width);
  });

  it('widens the text with letter_spacing and spaces lines with line_spacing', T, async () => {
    const [plain, spaced, wider] = await Promise.all([
      text('l_text:Arial_40:Hello'),
      text('l_text:Arial_40_letter_spacing_10:Hello'),
      text('l_text:Arial_40_letter_spacing_20:Hello'),
    ]);
    // Five letters: four gaps between their ink grow by the spacing each.
    expect(ink(spaced).width - ink(plain).width).toBeGreaterThanOrEqual(38);
    expect(ink(spaced).width - ink(plain).width).toBeLessThanOrEqual(42);
    expect(ink(wider).width - ink(spaced).width).toBeGreaterThanOrEqual(38);
    const [tight, loose] = await Promise.all([text('l_text:Arial_40:H%0AH'), text('l_text:Arial_40_line_spacing_30:H%0AH')]);
    const [a, b] = [bands(tight), bands(loose)];
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(2);
    expect(b[1].top - b[0].top - (a[1].top - a[0].top)).toBe(30);
  });

  it('wraps words under c_fit with a width, and keeps explicit newlines', T, async () => {
    const words = 'The%20quick%20brown%20fox%20jumps%20over%20the%20lazy%20dog';
    const one = await text(`l_text:Arial_30:${words}`);
    expect(bands(one)).toHaveLength(1);
    const wrapped = await text(`l_text:Arial_30:${words},c_fit,w_200`);
    const lines = bands(wrapped);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(ink(wrapped).width).toBeLessThanOrEqual(200);
    expect(ink(one).width).toBeGreaterThan(400);
    // The wrap width is not a resize: the glyphs keep their height.
    expect(lines[0].bottom - lines[0].top).toBe(bands(one)[0].bottom - bands(one)[0].top);
    const narrower = await text(`l_text:Arial_30:${words},c_fit,w_120`);
    expect(bands(narrower).length).toBeGreaterThan(lines.length);
    // c_fit with a height keeps only the lines that fit.
    const capped = await text(`l_text:Arial_30:${words},c_fit,h_70,w_120`);
    expect(bands(capped)).toHaveLength(2);
    const explicit = await text('l_text:Arial_30:one%0Atwo%0Athree');
    expect(bands(explicit)).toHaveLength(3);
    // Bold and italic are measured in their own files: wrapped bold text stays inside the width too.
    for (const style of ['bold', 'bold_italic'])
      expect(ink(await text(`l_text:Georgia_30_${style}:${words},c_fit,w_200`)).width).toBeLessThanOrEqual(200);
    // A word longer than the width is broken, not overflowing.
    const long = await text('l_text:Arial_30:abcdefghijklmnopqrstuvwxyz,c_fit,w_100');
    expect(ink(long).width).toBeLessThanOrEqual(100);
    expect(bands(long).length).toBeGreaterThanOrEqual(4);
  });

  it('aligns lines left, centre, right and justified', T, async () => {
    const body = 'ab%0Aabcdefghijkl%0Ac';
    const lines = async (align: string) => bands(await text(`l_text:Courier_40${align}:${body}`));
    const [left, center, right] = await Promise.all([lines(''), lines('_center'), lines('_right')]);
    expect(left).toHaveLength(3);
    expect(Math.abs(left[0].left - left[1].left)).toBeLessThanOrEqual(2);
    expect(Math.abs(right[0].right - right[1].right)).toBeLessThanOrEqual(2);
    expect(left[1].right - left[0].right).toBeGreaterThan(200);
    const mid = (b: (typeof center)[number]) => (b.left + b.right) / 2;
    expect(Math.abs(mid(center[0]) - mid(center[1]))).toBeLessThanOrEqual(3);
    const justified = bands(await text('l_text:Courier_30_justify:aa%20bb%20cc%20dd%20ee%20ff%20gg%20hhhhhhhh,c_fit,w_300'));
    expect(justified.length).toBeGreaterThanOrEqual(2);
    // Every line but the last reaches the right edge of the widest one.
    const widest = Math.max(...justified.map((b) => b.right));
    expect(widest - justified[0].right).toBeLessThanOrEqual(3);
    expect(justified[0].left).toBe(justified[1].left);
  });

  it('trims the layer to the ink unless fl_text_no_trim', T, async () => {
    const trimmed = await text('l_text:Arial_60:H', 'fl_layer_apply,g_north_west');
    // The first column and row hold the glyph's antialiased edge.
    expect(ink(trimmed).x).toBeLessThanOrEqual(1);
    expect(ink(trimmed).y).toBeLessThanOrEqual(1);
    const padded = await text('fl_text_no_trim,l_text:Arial_60:H', 'fl_layer_apply,g_north_west');
    expect(ink(padded).x).toBeGreaterThanOrEqual(3);
    expect(ink(padded).y).toBeGreaterThanOrEqual(5);
    expect(ink(padded).width).toBe(ink(trimmed).width);
  });

  it('draws the text larger with dpr_, wrap width and all', T, async () => {
    const [one, two] = await Promise.all([text('l_text:Arial_30:Hello%20there'), text('dpr_2.0,l_text:Arial_30:Hello%20there')]);
    expect(Math.abs(ink(two).width - 2 * ink(one).width)).toBeLessThanOrEqual(3);
    expect(Math.abs(ink(two).height - 2 * ink(one).height)).toBeLessThanOrEqual(3);
    const wrapped = await text('c_fit,dpr_2.0,l_text:Arial_30:Hello%20there%20and%20here,w_120');
    expect(bands(wrapped)).toHaveLength(bands(await text('c_fit,l_text:Arial_30:Hello%20there%20and%20here,w_120')).length);
    expect(ink(wrapped).width).toBeLessThanOrEqual(240);
    expect(ink(wrapped).width).toBeGreaterThan(120);
  });

  it('outlines the glyphs with stroke and bo_, the fill inside', T, async () => {
    const out = await image(`co_white,l_text:Arial_80_bold_stroke:I,bo_6px_solid_red/fl_layer_apply,g_north_west,x_20,y_20/${base}.png`);
    // Scan the middle row of the I from the left: red first (the stroke), then white (the fill), then red again.
    let y = -1;
    for (let row = 0; row < out.height && y < 0; row++) if (pixel(out, 40, row)[1] < 100) y = row + 30;
    expect(y).toBeGreaterThan(0);
    const row = Array.from({ length: 120 }, (_, x) => pixel(out, x, y));
    const red = (p: number[]) => p[0] > 200 && p[1] < 60 && p[2] < 60;
    const firstRed = row.findIndex(red);
    expect(firstRed).toBeGreaterThanOrEqual(18);
    expect(firstRed).toBeLessThanOrEqual(22);
    const redRun = row.slice(firstRed).findIndex((p) => !red(p));
    expect(redRun).toBeGreaterThanOrEqual(5);
    expect(redRun).toBeLessThanOrEqual(8);
    const inside = row[firstRed + redRun + 3];
    expect(inside[0] > 200 && inside[1] > 200 && inside[2] > 200).toBe(true);
    expect(row.slice(firstRed + redRun).some(red)).toBe(true);
    // Without stroke, bo_ frames the layer image as before.
    const framed = await image(`co_black,l_text:Arial_40:I,bo_4px_solid_red/fl_layer_apply,g_north_west/${base}.png`);
    expect(pixel(framed, 1, 1).slice(0, 3)).toEqual([255, 0, 0]);
  });

  it('refuses a text layer that leaves the image with fl_text_disallow_overflow, and clips otherwise', T, async () => {
    const long = `l_text:Arial_80:${'W'.repeat(30)}`;
    await refused(`${long}/fl_layer_apply,fl_text_disallow_overflow/${base}.png`, /exceeds the image boundaries/);
    await refused(`${long},fl_text_disallow_overflow/${base}.png`, /exceeds the image boundaries/);
    expect((await image(`${long},fl_no_overflow/${base}.png`)).width).toBe(900);
    expect((await image(`l_text:Arial_20:fits,fl_text_disallow_overflow/${base}.png`)).width).toBe(900);
    await refused(`l_${base},fl_text_no_trim/${base}.png`, /text layers/);
  });

  it('refuses bad text parameters with 400 and X-Cld-Error', T, async () => {
    await refused(`l_text:Arial_0:x/${base}.png`, /Invalid font size/);
    await refused(`l_text:Arial_40_sparkly:x/${base}.png`, /Invalid font/);
    await refused(`l_text:Arial_40_letter_spacing_x:x/${base}.png`, /Invalid font/);
    await refused(`l_text:Arial%22%3E_40:x/${base}.png`, /Invalid font/);
    // One letter a line at 500 px: the wrapped image would pass the output pixel limit.
    await refused(`l_text:Arial_500:${'x'.repeat(300)},c_fit,w_1/${base}.png`, /Image too large/);
    await refused(`l_text:Arial_20:x,c_fit,w_0/${base}.png`, /Invalid width/);
  });

  it('writes stroke and font files back into the canonical form', () => {
    const plan = parseTransformation(['bo_2px_solid_red,l_text:fonts:My_Font.ttf_40_bold_stroke_letter_spacing_3:Hi%20there'], {
      encoded: true,
    });
    expect(plan.components[0].params.l).toMatchObject({
      kind: 'text',
      text: 'Hi there',
      font: { family: 'fonts/My_Font.ttf', size: 40, weight: 'bold', stroke: true, letterSpacing: 3 },
    });
    expect(plan.canonical).toBe('bo_2px_solid_rgb:ff0000,l_text:fonts:My_Font.ttf_40_bold_stroke_letter_spacing_3:Hi there');
    // Text that merely mentions a font file is text.
    const mention = parseTransformation(['l_text:Arial_20:see%20a.ttf_1:x'], { encoded: true }).components[0].params.l;
    expect(mention).toMatchObject({ kind: 'text', font: { family: 'Arial' }, text: 'see a.ttf_1:x' });
  });
});

describe('text layers in uploaded fonts', () => {
  const base = uid('fontbase');
  const folder = uid('fonts');
  const font = async (publicId: string, data: Uint8Array, type: 'upload' | 'authenticated' = 'authenticated', cloud = 'demo') =>
    storeAsset({ ref: { cloud, resourceType: 'raw', type, publicId }, data, format: publicId.split('.').pop()! });
  beforeAll(async () => {
    await storeImage(base, encodePng(makeRaster(900, 300, () => [255, 255, 255])));
    const ttf = new Uint8Array(cousine);
    await font(`${folder}/Mono.ttf`, ttf);
    await font(`${folder}/Public.ttf`, ttf, 'upload');
    await font(`${folder}/Packed.woff`, await woffOf(ttf));
    await font(`${folder}/Script.otf`, lobster());
    await font(`${folder}/Junk.ttf`, crypto.getRandomValues(new Uint8Array(4096)));
    await font(`${folder}/Cut.ttf`, ttf.slice(0, 2000));
    const torn = ttf.slice();
    new DataView(torn.buffer).setUint32(12 + 8, 0x7fffffff); // the first table's offset far outside the file
    await font(`${folder}/Torn.ttf`, torn);
    await font(`${folder}/Elsewhere.ttf`, ttf, 'authenticated', 'other');
    // Fonts whose directory holds together but whose tables are garbled here and there (a fixed seed: the same files every run).
    let seed = 21;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < FUZZED; i++) {
      const garbled = ttf.slice();
      for (let j = 0; j < 200; j++) garbled[300 + (next() % (garbled.length - 300))] = next() % 256;
      await font(`${folder}/Garbled${i}.ttf`, garbled);
    }
  });
  const width = async (family: string) => {
    const out = await image(`l_text:${family}_40:iiiiiiiiii/fl_layer_apply,g_north_west,x_5,y_5/${base}.png`);
    return ink(out).width;
  };
  const f = (name: string) => `${folder.replace(/\//g, ':')}:${name}`;

  it('draws with an authenticated or public raw font by public id, TTF or WOFF, without a signature', T, async () => {
    const sans = await width('Arial');
    const mono = await width('Courier');
    expect(await width(f('Mono.ttf'))).toBe(mono);
    expect(await width(f('Public.ttf'))).toBe(mono);
    expect(await width(f('Packed.woff'))).toBe(mono);
    expect(mono).toBeGreaterThan(sans * 2);
  });

  it('draws with an OpenType font with CFF outlines', T, async () => {
    const draw = (family: string) => image(`l_text:${family}_60:Hello%20Lobster/fl_layer_apply,g_north_west,x_5,y_5/${base}.png`);
    const [script, sans] = await Promise.all([draw(f('Script.otf')), draw('Arial')]);
    const [a, b] = [ink(script), ink(sans)];
    expect(a.width).toBeGreaterThan(150);
    expect(a.height).toBeGreaterThan(30);
    expect(Math.abs(a.width - b.width)).toBeGreaterThan(10);
  });

  it('answers garbled fonts with a picture or a 400, never a 500, and keeps rendering afterwards', T, async () => {
    const statuses = [];
    for (let i = 0; i < FUZZED; i++) {
      const res = await get(`l_text:${f(`Garbled${i}.ttf`)}_40:Hello%20iiii%20WWW/${base}.png`);
      statuses.push(res.status);
      if (res.status === 400) expect(res.headers.get('x-cld-error')).toMatch(/font|Text/);
      await res.arrayBuffer();
    }
    expect(statuses.every((s) => s === 200 || s === 400)).toBe(true);
    expect(await width(f('Mono.ttf'))).toBe(await width('Courier'));
  });

  it('answers 400 for hostile font files and 404 for missing ones or another cloud’s', T, async () => {
    for (const bad of ['Junk.ttf', 'Cut.ttf', 'Torn.ttf']) await refused(`l_text:${f(bad)}_40:x/${base}.png`, /Invalid font file/);
    await refused(`l_text:${f('Nothing.ttf')}_40:x/${base}.png`, /Resource not found/, 404);
    await refused(`l_text:${f('Elsewhere.ttf')}_40:x/${base}.png`, /Resource not found/, 404);
    await refused(`l_text:${f('Mono.woff2')}_40:x/${base}.png`, /Resource not found/, 404);
  });
});

describe('the parsed-font cache', () => {
  it('keeps fonts within its byte bound, least recently used out, as a standing charge', () => {
    const face = (mb: number): FontFace => ({
      family: 'X',
      variants: [
        {
          buffer: new Uint8Array(mb * 1024 * 1024),
          metrics: { family: 'X', unitsPerEm: 1000, ascender: 800, descender: 200, lineGap: 0, advance: () => 500 },
        },
      ],
    });
    const key = uid('font');
    keepFont(`${key}/a`, face(5));
    keepFont(`${key}/b`, face(5));
    expect(cachedFont(`${key}/a`)).toBeDefined();
    keepFont(`${key}/c`, face(5));
    // b was used least recently: it went to make room.
    expect(cachedFont(`${key}/b`)).toBeUndefined();
    expect(cachedFont(`${key}/a`)).toBeDefined();
    expect(cachedFont(`${key}/c`)).toBeDefined();
    expect(fontCacheBytes()).toBeLessThanOrEqual(FONT_CACHE_BYTES);
    expect(residentCodecs()).toContainEqual(['text fonts', fontCacheBytes()]);
    // A font larger than the whole bound is used but not kept.
    keepFont(`${key}/huge`, face(13));
    expect(cachedFont(`${key}/huge`)).toBeUndefined();
  });
});

describe('text rendering and the memory budget', () => {
  it('waits its turn in the engine memory pool, and is refused when the image could never fit', async () => {
    const pool = new MemoryBudget(64 * 1024 * 1024);
    const style = { ...DEFAULT_STYLE, fontSize: 40 };
    const ok = await renderText('Hello', style, 1e7, { memory: pool });
    expect(ok.width).toBeGreaterThan(50);
    expect(pool.stats.admitted).toBe(1);
    expect(pool.stats.inUse).toBe(0);
    const tiny = new MemoryBudget(100_000);
    await expect(renderText('Hello', style, 1e7, { memory: tiny })).rejects.toMatchObject({ status: 400 });
    expect(tiny.stats.refused.memory).toBe(1);
  });
});
