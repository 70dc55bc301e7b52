#!/usr/bin/env node
// PNG encode micro-benchmark: `encodePngRows` (src/engine/codecs/png-encode.ts) on decoded RGBA
// frames, beside sharp (libspng through libvips) encoding the same raw pixels with its defaults
// (level 6, no adaptive filtering) and with adaptive filtering (libpng's heuristic, as ours).
// CPU time of this process (the machine is shared, so wall time says little), best of BENCH_RUNS
// after a warm-up; output bytes.
//
//   node bench/png-encode.mjs                                   the frames below
//   PNG_ENCODE_ENTRY=path/to/entry.ts node bench/png-encode.mjs  another encoder (e.g. an older png-encode.ts)
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importBundled } from './support/bundle.mjs';

sharp.concurrency(1);
sharp.cache(false);

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const ours = await importBundled(process.env.PNG_ENCODE_ENTRY ?? here('./png/png-encode-entry.ts'));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CASES = (process.env.PNG_ENCODE_CASES ?? 'screenshot-4k.png,screenshot-4k.png@800,alpha.png,photo-24mp.jpg').split(',');

async function cpu(run) {
  let out = await run();
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t = process.cpuUsage();
    out = await run();
    const d = process.cpuUsage(t);
    best = Math.min(best, (d.user + d.system) / 1000);
  }
  return { ms: best, bytes: out.length };
}

console.log(
  '| frame | ours ms (CPU, best) | ours bytes | sharp ms | sharp bytes | sharp adaptive ms | sharp adaptive bytes | ratio (ours / sharp) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const c of CASES) {
  const [file, width] = c.split('@');
  let img = sharp(readFileSync(here(`../test/fixtures/${file}`))).rotate();
  if (width) img = img.resize(Number(width));
  const { data, info } = await img.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const raster = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  const raw = { raw: { width: info.width, height: info.height, channels: 4 } };
  const a = await cpu(() => ours.encodePngRows(raster));
  const b = await cpu(() => sharp(data, raw).png().toBuffer());
  const f = await cpu(() => sharp(data, raw).png({ adaptiveFiltering: true }).toBuffer());
  console.log(
    `| ${file}${width ? ` w${width}` : ''} (${info.width}x${info.height}) | ${a.ms.toFixed(0)} | ${a.bytes} | ${b.ms.toFixed(0)} | ${b.bytes} | ${f.ms.toFixed(0)} | ${f.bytes} | ${(a.ms / b.ms).toFixed(2)} |`,
  );
}
