#!/usr/bin/env node
// `node bench/avif-memory.mjs`: the AVIF encoder's (@jsquash/avif: libavif + aom) WASM memory high-water
// mark, time and output size for each encoder setting and for the grid of tiles the engine writes (at speed 10), at
// 400x300, 1600x900 and 2500x1400 of the 12 MP photo (docs/engine.md "AVIF within the budget").
// Each cell runs in a fresh process on a fresh module (a WASM memory never shrinks, so its size after
// the encode is its high-water mark); time is the second of two encodes (the first compiles the module's
// code), by the wall clock and by the process's CPU time, which a loaded machine disturbs less; PSNR
// of the file decoded by sharp against the source.
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
  'grid of tiles, speed 10': { speed: 10, grid: true },
};

if (process.argv[2] === 'cell') {
  const [, , , libUrl, w, h, name] = process.argv;
  const { avifGrid, copyTile, readCodedTile, writeAvifGrid } = await import(libUrl);
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
  const g = grid ? avifGrid(width, height) : undefined;
  const encode = () => {
    if (!g || g.columns * g.rows === 1) return m.encode(data, width, height, options);
    const tile = new Uint8Array(g.tileWidth * g.tileHeight * 4);
    const tiles = [];
    for (let r = 0; r < g.rows; r++) {
      for (let c = 0; c < g.columns; c++) {
        copyTile({ data, width, height }, c * g.tileWidth, r * g.tileHeight, g.tileWidth, g.tileHeight, tile);
        tiles.push(readCodedTile(m.encode(tile, g.tileWidth, g.tileHeight, options)));
      }
    }
    return writeAvifGrid(g, width, height, tiles);
  };
  encode();
  const t = performance.now();
  const cpu = process.cpuUsage();
  const file = encode();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const layout = g ? `${g.columns}x${g.rows} of ${g.tileWidth}x${g.tileHeight}` : '';
  const decoded = await sharp(file).ensureAlpha().raw().toBuffer();
  let sum = 0;
  for (let i = 0; i < data.length; i++) if ((i & 3) !== 3) sum += (data[i] - decoded[i]) ** 2;
  const psnr = 10 * Math.log10((255 * 255 * width * height * 3) / sum);
  process.stdout.write(JSON.stringify({ ms, cpuMs, bytes: file.length, psnr, wasm: m.HEAPU8.buffer.byteLength, layout }));
} else {
  const { build } = await import('esbuild');
  const out = mkdtempSync(join(tmpdir(), 'avif-memory-'));
  const lib = join(out, 'lib.mjs');
  await build({
    stdin: {
      contents:
        "export { avifGrid, copyTile } from './src/engine/codecs/avif-grid'; export { readCodedTile, writeAvifGrid } from './src/engine/codecs/avif-container';",
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
  console.log('| size | setting | WASM high-water MB | encode ms (wall) | encode ms (CPU) | bytes | PSNR dB | grid |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const [w, h] of SIZES) {
    for (const name of Object.keys(SETTINGS)) {
      const cell = JSON.parse(
        execFileSync(process.execPath, [fileURLToPath(import.meta.url), 'cell', pathToFileURL(lib).href, String(w), String(h), name], {
          cwd: root,
        }).toString(),
      );
      console.log(
        `| ${w}x${h} | ${name} | ${(cell.wasm / 1048576).toFixed(1)} | ${cell.ms.toFixed(0)} | ${cell.cpuMs.toFixed(0)} | ${cell.bytes} | ${cell.psnr.toFixed(2)} | ${cell.layout} |`,
      );
    }
  }
  rmSync(out, { recursive: true, force: true });
}
