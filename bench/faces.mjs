// Face detection benchmark: the engine's own detector (src/engine/faces/, the
// Tiny Face Detector in TypeScript) on the labelled photos of test/fixtures,
// one thread. Prints CPU time per image (median of BENCH_RUNS), the memory the
// detector charges, and precision/recall at IoU 0.5 against the hand-checked boxes.
//
//   node bench/faces.mjs
//   BENCH_RUNS=9 node bench/faces.mjs
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importBundled } from './support/bundle.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const f = await importBundled(here('./support/faces-entry.ts'));
const labels = JSON.parse(readFileSync(here('../test/fixtures/faces-labels.json'), 'utf8'));

const iou = (a, [x, y, width, height]) => {
  const w = Math.min(a.x + a.width, x + width) - Math.max(a.x, x);
  const h = Math.min(a.y + a.height, y + height) - Math.max(a.y, y);
  return w <= 0 || h <= 0 ? 0 : (w * h) / (a.width * a.height + width * height - w * h);
};

async function rgba(name) {
  const { data, info } = await sharp(here(`../test/fixtures/${name}`))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const weights = f.faceModel();
console.log(
  `model: ${(f.modelFileBytes / 1024).toFixed(0)} KiB of 8-bit weights, ${(f.faceModelBytes() / 1024 / 1024).toFixed(2)} MiB dequantised`,
);
console.log(`detector memory charged per image: ${(f.DETECTION_BYTES / 1024 / 1024).toFixed(1)} MiB\n`);
console.log('| photo | size | network input | CPU ms (median) | faces | matched |');
console.log('|---|---|---|---|---|---|');
let tp = 0;
let fp = 0;
let positives = 0;
const names = [...Object.keys(labels.faces), ...labels.noFaces];
for (const name of names) {
  const img = await rgba(name);
  const times = [];
  let faces = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.cpuUsage();
    faces = f.detectFaces(weights, img);
    times.push(process.cpuUsage(start).user / 1000);
  }
  times.sort((a, b) => a - b);
  const truth = labels.faces[name] ?? [];
  positives += truth.length;
  const used = new Set();
  let matched = 0;
  for (const face of faces) {
    const best = truth.map((t, i) => [iou(face, t), i]).sort((a, b) => b[0] - a[0])[0];
    if (best && best[0] >= 0.5 && !used.has(best[1])) {
      used.add(best[1]);
      matched++;
    } else fp++;
  }
  tp += matched;
  const net = f.detectorSize(img.width, img.height);
  console.log(
    `| ${name} | ${img.width}x${img.height} | ${net.width}x${net.height} | ${times[times.length >> 1].toFixed(0)} | ${faces.length} | ${matched}/${truth.length} |`,
  );
}
console.log(`\nprecision ${(tp / (tp + fp)).toFixed(2)}, recall ${(tp / positives).toFixed(2)} (${tp} of ${positives} faces, ${fp} false)`);
