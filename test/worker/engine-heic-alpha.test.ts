import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { engineStats } from '../../src/engine/engine';
import { readHeif } from '../../src/engine/heif-container';
import { inspectSource } from '../../src/engine/inspect';
import type { Raster } from '../../src/engine/raster';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, dims, MAGIC, meanDiff, pixel } from './support/images';

const get = (path: string, headers: Record<string, string> = {}) => SELF.fetch(`http://w/demo/image/upload/${path}`, { headers });
const T = { timeout: 180_000 };
const MB = 1024 * 1024;

async function ok(path: string, headers: Record<string, string> = {}): Promise<Uint8Array> {
  const res = await get(path, headers);
  expect(res.status, `${path}: ${res.headers.get('x-cld-error') ?? ''}`).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

const near = (got: number[], want: number[], tolerance: number) => got.every((v, i) => Math.abs(v - want[i]) <= tolerance);

/** The largest difference of two same-size rasters' alpha. */
const alphaDiff = (a: Raster, b: Raster) => a.data.reduce((m, v, i) => (i % 4 === 3 ? Math.max(m, Math.abs(v - b.data[i])) : m), 0);

/** A quarter turn clockwise. */
function turnClockwise(r: Raster): Raster {
  const out = new Uint8Array(r.data.length);
  for (let y = 0; y < r.height; y++)
    for (let x = 0; x < r.width; x++)
      out.set(r.data.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 4), (x * r.height + (r.height - 1 - y)) * 4);
  return { data: out, width: r.height, height: r.width };
}

// alpha.heic (test/fixtures/make-heic.mjs): 256x192, a 2x2 grid whose alpha is a 2x2 grid too; transparent for
// x < 32 and within 40 px of the centre. Opaque pixels as heif-convert (libheif 1.15.1) decodes them.
const TRANSPARENT = [
  [5, 100],
  [128, 96],
  [20, 10],
] as const;
const OPAQUE: [number, number, number[]][] = [
  [240, 10, [109, 133, 161]],
  [100, 150, [48, 39, 22]],
];

describe('HEIC alpha planes', () => {
  it('are found through iref auxl, with their own grid, SPS sizes and no prem', () => {
    const heif = readHeif(fixture('alpha.heic'));
    expect(heif).toMatchObject({ width: 256, height: 192, columns: 2, rows: 2, tileWidth: 128, tileHeight: 96 });
    expect(heif?.alpha).toMatchObject({ columns: 2, rows: 2, tileWidth: 128, tileHeight: 96, premultiplied: false });
    expect(heif?.alpha?.tiles).toHaveLength(4);
    expect(heif?.alpha?.coded).toEqual({ width: 128, height: 96 });
    expect(readHeif(fixture('hostile/heic-alpha-lie.heic'))?.alpha?.coded).toEqual({ width: 8192, height: 8192 });
    expect(readHeif(fixture('photo.heic'))?.alpha).toBeUndefined();
    expect(readHeif(fixture('alpha-prem.heic'))?.alpha?.premultiplied).toBe(true);
    // The alpha tiles are the last bytes of the file: cut into them, the file is refused as incomplete.
    expect(() => inspectSource(fixture('alpha.heic').slice(0, -100))).toThrow(/HEIC data ends early/);
  });

  it('decode the same from one alpha picture beside a banded colour picture as from grids of both', T, async () => {
    expect(readHeif(fixture('alpha-single.heic'))).toMatchObject({ columns: 1, rows: 1, alpha: { columns: 1, rows: 1 } });
    const grid = uid('hgrid');
    const single = uid('hsingle');
    await storeImage(grid, fixture('alpha.heic'));
    await storeImage(single, fixture('alpha-single.heic'));
    for (const t of ['f_png', 'w_100/f_png', 'b_blue,f_jpg']) {
      const a = decode(await ok(`${t}/${grid}`));
      const b = decode(await ok(`${t}/${single}`));
      expect(meanDiff(a, b), t).toBeLessThan(0.5);
      expect(alphaDiff(a, b), t).toBeLessThanOrEqual(1);
      expect(pixel(b, 2, 2)[3], t).toBe(t.endsWith('jpg') ? 255 : 0);
    }
  });

  it('keeps partial alpha, and divides premultiplied colour (a prem reference) by it', T, async () => {
    const plain = uid('hstraight');
    const prem = uid('hprem');
    await storeImage(plain, fixture('alpha.heic'));
    await storeImage(prem, fixture('alpha-prem.heic'));
    const a = decode(await ok(`f_png/${plain}`));
    const b = decode(await ok(`f_png/${prem}`));
    // The bottom 16 rows have alpha = x.
    for (let x = 40; x < 256; x += 24) {
      expect(pixel(a, x, 184)[3]).toBe(x);
      expect(pixel(b, x, 184)[3]).toBe(x);
      // Premultiplied colour loses precision where alpha is small; from a half up it comes back within rounding.
      if (x >= 128) expect(near(pixel(b, x, 184), pixel(a, x, 184), 3), `${x}: ${pixel(b, x, 184)} ${pixel(a, x, 184)}`).toBe(true);
    }
  });

  it('f_png keeps the transparency at full size and reduced', T, async () => {
    const id = uid('halpha');
    await storeImage(id, fixture('alpha.heic'));
    const full = decode(await ok(`f_png/${id}`));
    expect([full.width, full.height]).toEqual([256, 192]);
    for (const [x, y] of TRANSPARENT) expect(pixel(full, x, y)[3], `${x},${y}`).toBe(0);
    for (const [x, y, rgb] of OPAQUE) expect(near(pixel(full, x, y), [...rgb, 255], 1), `${x},${y}: ${pixel(full, x, y)}`).toBe(true);
    expect(engineStats.lastHeifWasmBytes).toBeGreaterThan(0);
    const half = decode(await ok(`w_128/${id}.png`));
    expect([half.width, half.height]).toEqual([128, 96]);
    expect(pixel(half, 64, 48)[3]).toBe(0);
    expect(pixel(half, 2, 50)[3]).toBe(0);
    expect(pixel(half, 120, 5)[3]).toBe(255);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('f_jpg flattens on white, b_red on red: full size (tile rows into the encoder) and resized', T, async () => {
    const id = uid('halphajpg');
    await storeImage(id, fixture('alpha.heic'));
    for (const [t, bg] of [
      ['f_jpg', [255, 255, 255]],
      ['b_red,f_jpg', [255, 0, 0]],
      ['w_200,f_jpg', [255, 255, 255]],
      ['b_red,w_200,f_jpg', [255, 0, 0]],
    ] as const) {
      const bytes = await ok(`${t}/${id}`);
      expect(MAGIC.jpg(bytes)).toBe(true);
      const img = decode(bytes);
      const k = img.width / 256;
      for (const [x, y] of TRANSPARENT) {
        const p = pixel(img, Math.floor(x * k), Math.floor(y * k));
        expect(near(p, [...bg, 255], 12), `${t} ${x},${y}: ${p}`).toBe(true);
      }
      // The sky stays as decoded (4:2:0 chroma moves the darker, saturated pixels further).
      const [x, y, rgb] = OPAQUE[0];
      if (k === 1) expect(near(pixel(img, x, y), [...rgb, 255], 12), `${t} ${x},${y}: ${pixel(img, x, y)}`).toBe(true);
    }
  });

  it('w_100/f_auto works: WebP with its alpha where accepted, JPEG on white elsewhere', T, async () => {
    const id = uid('halphaauto');
    await storeImage(id, fixture('alpha.heic'));
    const res = await get(`w_100/f_auto/${id}`, { accept: 'image/webp,*/*' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    const webp = decode(new Uint8Array(await res.arrayBuffer()));
    expect([webp.width, webp.height]).toEqual([100, 75]);
    expect(pixel(webp, 2, 40)[3]).toBe(0);
    expect(pixel(webp, 95, 5)[3]).toBe(255);
    const jpg = await ok(`w_100/f_auto/${id}`);
    expect(dims(jpg)).toBe('100x75');
    expect(near(pixel(decode(jpg), 2, 40), [255, 255, 255, 255], 12)).toBe(true);
  });

  it('an alpha item whose SPS codes 8192x8192 behind a 128x96 ispe gets a 400 before decoding, and the next request works', T, async () => {
    const id = uid('alphalie');
    await storeImage(id, fixture('hostile/heic-alpha-lie.heic'));
    const decodesBefore = engineStats.decodes;
    for (const [t, message] of [
      ['f_jpg', /transcoding 256x192 HEIC to JPG in tile rows needs .*memory budget/],
      ['w_100/f_png', /decoding 256x192 HEIC in tile rows at 1\/2 needs .*memory budget/],
    ] as const) {
      const res = await get(`${t}/${id}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('x-cld-error')).toMatch(message);
    }
    expect(engineStats.decodes).toBe(decodesBefore);
    const good = uid('afterlie');
    await storeImage(good, fixture('alpha.heic'));
    expect(pixel(decode(await ok(`f_png/${good}`)), 5, 100)[3]).toBe(0);
    expect(engineMemory().stats.open).toBe(0);
  });
});

describe('a quarter-turned HEIC at full size', () => {
  it('f_jpg is encoded from an RGB frame with its rows gathered turned, within the budget by its own accounting', T, async () => {
    const turned = uid('irotfull');
    const plain = uid('irotplain');
    await storeImage(turned, fixture('photo-irot.heic'));
    await storeImage(plain, fixture('photo.heic'));
    const full = await ok(`f_jpg/${turned}`);
    expect(MAGIC.jpg(full)).toBe(true);
    expect(dims(full)).toBe('1067x1600');
    const wasm = engineStats.lastHeifWasmBytes;
    // The stored frame at 3 bytes a pixel (5.1 MB) and one coded picture, not a whole RGBA frame in JS.
    expect(wasm).toBeGreaterThan(1600 * 1067 * 3);
    expect(engineStats.lastPeakBytes).toBeGreaterThanOrEqual(wasm);
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(32 * MB);
    // One JPEG encode away from the upright picture the straight path decodes, as the straight f_jpg is from its own.
    const png = decode(await ok(`f_png/${plain}`));
    const straight = meanDiff(decode(await ok(`f_jpg/${plain}`)), png);
    expect(Math.abs(meanDiff(decode(full), turnClockwise(png)) - straight)).toBeLessThan(0.3);
    // a_ignore keeps the stored orientation (the straight tile-row path).
    expect(dims(await ok(`a_ignore,f_jpg/${turned}`))).toBe('1600x1067');
    expect(engineMemory().stats.open).toBe(0);
  });
});
