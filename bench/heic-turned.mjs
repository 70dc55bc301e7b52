#!/usr/bin/env node
// A quarter-turned (irot) phone-style HEIC delivered at full size as JPEG, at growing sizes: which
// fit the engine's memory budget (96 MB by default), what each was charged and what the HEIC
// module really took. The photos are grids of one 512x512 tile of photo-12mp.heic repeated, with
// `irot` 3, written by test/fixtures/heif-writer.mjs. `node bench/heic-turned.mjs`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codedItems, writeHeif } from '../test/fixtures/heif-writer.mjs';
import { importBundled } from './support/bundle.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const m = await importBundled(join(root, 'bench', 'transform', 'engine-entry.ts'));
const tile = codedItems(readFileSync(join(root, 'test', 'fixtures', 'photo-12mp.heic'))).item(2);
const limits = { maxDecodePixels: 7_000_000, maxJpegDecodePixels: 12_000_000, maxOutputPixels: 50_000_000 };
const mb = (b) => (b / 1048576).toFixed(1);

console.log('| grid | stored size | MP | transformation | result | ms | charged MB (engine) | HEIC module MB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [columns, rows] of [
  [8, 6],
  [9, 7],
  [10, 7],
  [10, 8],
  [11, 8],
]) {
  const size = { width: columns * 512, height: rows * 512 };
  const input = new Uint8Array(
    writeHeif({ tiles: Array(columns * rows).fill(tile), grid: { rows, columns }, tileSize: { width: 512, height: 512 }, size, irot: 3 }),
  );
  for (const t of ['q_80', 'q_90']) {
    const t0 = performance.now();
    let result;
    try {
      const out = await m.transformImage(input, m.parseTransformation(t), { limits, extension: 'jpg' });
      result = `${out.width}x${out.height} JPEG, ${out.bytes.length} bytes`;
    } catch (err) {
      if (err?.name !== 'CldError') throw err;
      result = `400: ${err.message}`;
    }
    const ms = (performance.now() - t0).toFixed(0);
    const charged = result.startsWith('400') ? '' : mb(m.engineStats.lastPeakBytes);
    const wasm = result.startsWith('400') ? '' : mb(m.engineStats.lastHeifWasmBytes);
    console.log(
      `| ${columns}x${rows} | ${size.width}x${size.height} | ${((size.width * size.height) / 1e6).toFixed(1)} | ${t} | ${result} | ${ms} | ${charged} | ${wasm} |`,
    );
  }
}
