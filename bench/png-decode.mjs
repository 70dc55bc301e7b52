#!/usr/bin/env node
// PNG decode micro-benchmark: `decodePngReduced` (src/engine/codecs/png-rows.ts) at full size and
// box-reduced, beside sharp (libspng) decoding the same file to raw RGBA and reducing it. CPU time of
// this process (the machine is shared, so wall time says little), best of BENCH_RUNS after a warm-up.
//
//   node bench/png-decode.mjs                       the fixtures below
//   PNG_ROWS_ENTRY=path/to/entry.ts node bench/png-decode.mjs   another decoder (e.g. an older png-rows.ts)
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importBundled } from './support/bundle.mjs';

sharp.concurrency(1);
sharp.cache(false);

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const ours = await importBundled(process.env.PNG_ROWS_ENTRY ?? here('./png/png-entry.ts'));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CASES = [
  ['screenshot-4k.png', 1],
  ['screenshot-4k.png', 4],
  ['rgb16.png', 1],
  ['alpha.png', 1],
  ['png/interlaced-1600x900.png', 1],
  ['png/interlaced-1600x900.png', 4],
];

async function cpu(run) {
  await run();
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t = process.cpuUsage();
    await run();
    const d = process.cpuUsage(t);
    best = Math.min(best, (d.user + d.system) / 1000);
  }
  return best;
}

console.log('| file | shrink | ours ms (CPU, best) | sharp ms (CPU, best) | ratio |');
console.log('| --- | --- | --- | --- | --- |');
for (const [file, shrink] of CASES) {
  const bytes = new Uint8Array(readFileSync(here(`../test/fixtures/${file}`)));
  const meta = await sharp(bytes).metadata();
  const a = await cpu(() => ours.decodePngReduced(bytes, shrink));
  const width = Math.ceil(meta.width / shrink);
  const b = await cpu(() => {
    const img = sharp(bytes).ensureAlpha();
    return (shrink > 1 ? img.resize(width, Math.ceil(meta.height / shrink), { kernel: 'nearest' }) : img).raw().toBuffer();
  });
  console.log(
    `| ${file} (${meta.width}x${meta.height}${meta.isProgressive ? ', Adam7' : ''}) | 1/${shrink} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(2)} |`,
  );
}
