#!/usr/bin/env node
// `node bench/avif-memory.mjs`: the AVIF encoder's (@jsquash/avif: libavif + aom) WASM memory high-water
// mark, time and output size for each encoder setting and for the grid of tiles the engine writes, at
// 400x300, 1600x900 and 2500x1400 of the 12 MP photo (docs/engine.md "AVIF within the budget").
// Each cell runs in a fresh process on a fresh module (a WASM memory never shrinks, so its size after
// the encode is its high-water mark); time is the encode alone, after a warm-up encode of 64x64 pixels.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const SIZES = [
  [400, 300],
  [1600, 900],
  [2500, 1400],
];
const SETTINGS = {
  'whole, speed 6': { speed: 6 },
  'whole, speed 8': { speed: 8 },
  'whole, speed 10': { speed: 10 },
  'whole, speed 8, tiles 2x2 (log2 1)': { speed: 8, tileRowsLog2: 1, tileColsLog2: 1 },
  'whole, speed 8, 4:4:4': { speed: 8, subsample: 3 },
  'grid of tiles, speed 8': { speed: 8, grid: true },
};

if (process.argv[2] === 'cell') {
  const [, , , libUrl, w, h, name] = process.argv;
  const { avifGrid, readCodedTile, writeAvifGrid } = await import(libUrl);
  const { default: sharp } = await import('sharp');
  const require = createRequire(import.meta.url);
  const { default: encFactory } = await import(pathToFileURL(require.resolve('@jsquash/avif/codec/enc/avif_enc.js')).href);
  const { defaultOptions } = await import(pathToFileURL(require.resolve('@jsquash/avif/meta.js')).href);
  const { initEmscriptenModule } = await import(pathToFileURL(require.resolve('@jsquash/avif/utils.js')).href);
  const width = Number(w);
  const height = Number(h);
  const { grid, ...setting } = SETTINGS[name];
  const options = { ...defaultOptions, quality: 60, ...setting };
  const photo = readFileSync(join(root, 'test', 'fixtures', 'photo-12mp.jpg'));
  const data = new Uint8Array(await sharp(photo).resize(width, height, { fit: 'cover' }).ensureAlpha().raw().toBuffer());
  const m = await initEmscriptenModule(
    encFactory,
    new WebAssembly.Module(readFileSync(require.resolve('@jsquash/avif/codec/enc/avif_enc.wasm'))),
  );
  m.encode(new Uint8Array(64 * 64 * 4).fill(128), 64, 64, options);
  const t = performance.now();
  let bytes;
  const g = grid ? avifGrid(width, height) : undefined;
  if (g && g.columns * g.rows > 1) {
    const tile = new Uint8Array(g.tileWidth * g.tileHeight * 4);
    const tiles = [];
    for (let r = 0; r < g.rows; r++) {
      for (let c = 0; c < g.columns; c++) {
        for (let y = 0; y < g.tileHeight; y++) {
          const sy = Math.min(height - 1, r * g.tileHeight + y);
          for (let x = 0; x < g.tileWidth; x++) {
            const sx = Math.min(width - 1, c * g.tileWidth + x);
            tile.set(data.subarray((sy * width + sx) * 4, (sy * width + sx) * 4 + 4), (y * g.tileWidth + x) * 4);
          }
        }
        tiles.push(readCodedTile(m.encode(tile, g.tileWidth, g.tileHeight, options)));
      }
    }
    bytes = writeAvifGrid(g, width, height, tiles).length;
  } else bytes = m.encode(data, width, height, options).length;
  const ms = performance.now() - t;
  const layout = g ? `${g.columns}x${g.rows} of ${g.tileWidth}x${g.tileHeight}` : '';
  process.stdout.write(JSON.stringify({ ms, bytes, wasm: m.HEAPU8.buffer.byteLength, layout }));
} else {
  const { build } = await import('esbuild');
  const out = mkdtempSync(join(tmpdir(), 'avif-memory-'));
  const lib = join(out, 'lib.mjs');
  await build({
    stdin: {
      contents:
        "export { avifGrid } from './src/engine/codecs/avif-grid'; export { readCodedTile, writeAvifGrid } from './src/engine/codecs/avif-container';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: lib,
    logLevel: 'warning',
  });
  console.log(`Node ${process.version}, quality 60, one process per cell, the 12 MP photo resized (sharp, cover).\n`);
  console.log('| size | setting | WASM high-water MB | encode ms | bytes | grid |');
  console.log('| --- | --- | ---: | ---: | ---: | --- |');
  for (const [w, h] of SIZES) {
    for (const name of Object.keys(SETTINGS)) {
      const cell = JSON.parse(
        execFileSync(process.execPath, [fileURLToPath(import.meta.url), 'cell', pathToFileURL(lib).href, String(w), String(h), name], {
          cwd: root,
        }).toString(),
      );
      console.log(`| ${w}x${h} | ${name} | ${(cell.wasm / 1048576).toFixed(1)} | ${cell.ms.toFixed(0)} | ${cell.bytes} | ${cell.layout} |`);
    }
  }
  rmSync(out, { recursive: true, force: true });
}
