#!/usr/bin/env node
// Animated GIF benchmark: a 100-frame 400x300 GIF (made here with sharp from
// photo-1mp.jpg, a pan across it) resized, re-encoded as GIF and as animated
// WebP by the engine (bundled for Node, with its budgets), beside sharp
// (libvips + cgif/libwebp) on the same work. Prints a Markdown table: median
// time, bytes, frames, and for ours the memory the budget charged at the peak.
//
//   node bench/animation.mjs            (BENCH_RUNS=3 by default)
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importBundled } from './support/bundle.mjs';

sharp.concurrency(1);
sharp.cache(false);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const m = await importBundled(here('../bench/transform/engine-entry.ts'));

/** 100 frames of 400x300 panning across the photo, 40 ms each, looping. */
async function makeGif() {
  const photo = readFileSync(here('../test/fixtures/photo-1mp.jpg'));
  const { width, height } = await sharp(photo).metadata();
  const frames = [];
  for (let i = 0; i < 100; i++) {
    const left = Math.round(((width - 400) * i) / 99);
    frames.push(
      await sharp(photo)
        .extract({ left, top: (height - 300) >> 1, width: 400, height: 300 })
        .ensureAlpha()
        .raw()
        .toBuffer(),
    );
  }
  return sharp(Buffer.concat(frames), { raw: { width: 400, height: 30000, channels: 4, pageHeight: 300 } })
    .gif({ delay: Array(100).fill(40), loop: 0 })
    .toBuffer();
}

const gif = new Uint8Array(await makeGif());
const limits = { maxDecodePixels: 50e6, maxOutputPixels: 50e6 };
const CASES = [
  { name: 'w_200 as GIF', t: 'c_scale,w_200', ext: 'gif', sharp: (s) => s.resize(200).gif() },
  { name: 'w_200 as animated WebP', t: 'c_scale,w_200', ext: 'webp', sharp: (s) => s.resize(200).webp({ quality: 80 }) },
  {
    name: 'c_fill 200x200, e_grayscale as GIF',
    t: 'c_fill,w_200,h_200,e_grayscale',
    ext: 'gif',
    sharp: (s) => s.resize(200, 200).grayscale().gif(),
  },
  { name: 'full size 400x300 as GIF', t: 'c_scale,w_400', ext: 'gif', sharp: (s) => s.gif() },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = [];
for (const c of CASES) {
  const plan = m.parseTransformation(c.t);
  const times = [];
  let out;
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    out = await m.transformImage(gif, plan, { limits, extension: c.ext });
    if (i) times.push(performance.now() - t0);
  }
  const peak = m.engineStats.lastPeakBytes;
  const meta = await sharp(out.bytes, { animated: true }).metadata();
  const theirs = [];
  let ref;
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    ref = await c.sharp(sharp(gif, { animated: true })).toBuffer();
    if (i) theirs.push(performance.now() - t0);
  }
  const refMeta = await sharp(ref, { animated: true }).metadata();
  rows.push(
    `| ${c.name} | ${median(times).toFixed(0)} | ${out.bytes.length} | ${meta.pages} x ${meta.width}x${meta.pageHeight} | ${(peak / 1048576).toFixed(1)} | ${median(theirs).toFixed(0)} | ${ref.length} | ${refMeta.pages} |`,
  );
}
console.log(
  `Node ${process.version}, ${RUNS} timed runs after a warm-up, sharp.concurrency(1). Source: ${gif.length} bytes, 100 frames of 400x300.\n`,
);
console.log('| work | ours ms (median) | ours bytes | frames | ours peak charged MB | sharp ms | sharp bytes | sharp frames |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
