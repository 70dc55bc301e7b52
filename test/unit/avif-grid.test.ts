import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import encFactory from '@jsquash/avif/codec/enc/avif_enc.js';
import { defaultOptions } from '@jsquash/avif/meta.js';
import { initEmscriptenModule } from '@jsquash/avif/utils.js';
import { readCodedTile, writeAvifGrid } from '../../src/engine/codecs/avif-container';
import { AVIF_TILE_MAX_PIXELS, avifGrid, copyTile } from '../../src/engine/codecs/avif-grid';
import { fixtureBytes } from '../support/fixtures';

/**
 * The grid writer against libheif (sharp): the tiles libavif encodes one by
 * one, joined by writeAvifGrid, must decode to the whole image, as close to
 * the source as the same image encoded whole, with no visible seams.
 */
const require = createRequire(import.meta.url);
// The DOM and Workers typings disagree on WebAssembly.Module's constructor in this project's Node config.
const CompiledModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const WASM = new CompiledModule(readFileSync(require.resolve('@jsquash/avif/codec/enc/avif_enc.wasm')));
const T = { timeout: 120_000 };

type Encoder = Awaited<ReturnType<typeof encFactory>>;
let encoder: Encoder;
beforeAll(async () => {
  encoder = await initEmscriptenModule(encFactory, WASM);
});

// As the engine encodes: a grid's tiles at speed 10, a whole image at speed 8.
const options = { ...defaultOptions, quality: 60, speed: 8 };
const tileOptions = { ...options, speed: 10 };

async function photo(width: number, height: number): Promise<Uint8Array> {
  const raw = await sharp(fixtureBytes('photo-12mp.jpg')).resize(width, height, { fit: 'cover' }).ensureAlpha().raw().toBuffer();
  return new Uint8Array(raw);
}

function encodeTiles(data: Uint8Array, width: number, height: number) {
  const grid = avifGrid(width, height);
  if (!grid) throw new Error('no grid');
  const { tileWidth: tw, tileHeight: th } = grid;
  const tiles = [];
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.columns; c++) {
      const tile = new Uint8Array(tw * th * 4);
      copyTile({ data, width, height }, c * tw, r * th, tw, th, tile);
      const out = encoder.encode(tile, tw, th, tileOptions);
      if (!out) throw new Error('encode failed');
      tiles.push(readCodedTile(out));
    }
  }
  return { grid, file: writeAvifGrid(grid, width, height, tiles) };
}

const rgb = async (file: Uint8Array) => {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
};

function psnr(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if ((i & 3) === 3) continue;
    sum += (a[i] - b[i]) ** 2;
    n++;
  }
  return 10 * Math.log10((255 * 255 * n) / sum);
}

describe('avifGrid', () => {
  it('keeps a tile within the measured size, covers the image, crops at most the last tile, and has even sides', () => {
    for (const [w, h] of [
      [1600, 900],
      [900, 1600],
      [1601, 901],
      [2500, 1400],
      [4900, 4900],
      [513, 513],
    ]) {
      const g = avifGrid(w, h);
      expect(g, `${w}x${h}`).toBeDefined();
      if (!g) continue;
      expect(g.tileWidth * g.tileHeight).toBeLessThanOrEqual(AVIF_TILE_MAX_PIXELS);
      expect(g.columns * g.tileWidth).toBeGreaterThanOrEqual(w);
      expect(g.rows * g.tileHeight).toBeGreaterThanOrEqual(h);
      expect((g.columns - 1) * g.tileWidth).toBeLessThan(w);
      expect((g.rows - 1) * g.tileHeight).toBeLessThan(h);
      expect([g.tileWidth % 2, g.tileHeight % 2, g.tileWidth >= 64, g.tileHeight >= 64]).toEqual([0, 0, true, true]);
    }
    expect(avifGrid(400, 300)).toEqual({ columns: 1, rows: 1, tileWidth: 400, tileHeight: 300 });
    // A side under 64 pixels on an image larger than a tile: no grid (encoded whole).
    expect(avifGrid(10_000, 50)).toBeUndefined();
  });
});

describe('copyTile', () => {
  it('copies a tile and repeats the last column and row into the padding', () => {
    const data = new Uint8Array(3 * 2 * 4).map((_, i) => i);
    const out = new Uint8Array(4 * 3 * 4);
    copyTile({ data, width: 3, height: 2 }, 1, 0, 4, 3, out);
    const px = (x: number, y: number) => Array.from(out.subarray((y * 4 + x) * 4, (y * 4 + x) * 4 + 4));
    const src = (x: number, y: number) => Array.from(data.subarray((y * 3 + x) * 4, (y * 3 + x) * 4 + 4));
    expect([px(0, 0), px(1, 0), px(2, 0), px(3, 0)]).toEqual([src(1, 0), src(2, 0), src(2, 0), src(2, 0)]);
    expect([px(0, 2), px(3, 2)]).toEqual([src(1, 1), src(2, 1)]);
  });
});

describe('an AVIF grid of separately encoded tiles', () => {
  it.each([
    [1600, 900],
    [1601, 901],
  ])('decodes with libheif (sharp) at %ix%i, as close to the source as a whole encode, without seams', T, async (w, h) => {
    const source = await photo(w, h);
    const { grid, file } = encodeTiles(source, w, h);
    expect(grid.columns * grid.rows).toBeGreaterThan(1);
    const meta = await sharp(file).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['heif', w, h]);
    const tiled = await rgb(file);
    const wholeFile = encoder.encode(source, w, h, options);
    if (!wholeFile) throw new Error('encode failed');
    const whole = await rgb(wholeFile);
    // Same quality as the whole encode (within 0.5 dB), and not blank.
    expect(psnr(source, tiled.data)).toBeGreaterThan(psnr(source, whole.data) - 0.5);
    expect(psnr(source, tiled.data)).toBeGreaterThan(35);
    // Seams: the error on the pixels beside a tile boundary is within 25% of the error elsewhere.
    let near = 0;
    let nearN = 0;
    let rest = 0;
    let restN = 0;
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        const edge =
          x % grid.tileWidth <= 0 ||
          x % grid.tileWidth === grid.tileWidth - 1 ||
          y % grid.tileHeight <= 0 ||
          y % grid.tileHeight === grid.tileHeight - 1;
        const i = (y * w + x) * 4;
        const d =
          (Math.abs(tiled.data[i] - source[i]) +
            Math.abs(tiled.data[i + 1] - source[i + 1]) +
            Math.abs(tiled.data[i + 2] - source[i + 2])) /
          3;
        if (edge) {
          near += d;
          nearN++;
        } else {
          rest += d;
          restN++;
        }
      }
    }
    expect(near / nearN).toBeLessThan(1.25 * (rest / restN));
    // The file costs at most 20% more than the whole encode (tile edges, per-tile headers).
    expect(file.length).toBeLessThan(1.2 * wholeFile.length);
  });
});
