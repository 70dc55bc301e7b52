#!/usr/bin/env node
// `npm run bench:cache`: what an edge-cache hit costs through a local worker
// (wrangler's dev server, local Cache API, R2 and D1), beside the floor: the
// same worker answering a body of the same size from memory with no parsing,
// no access checks and no lookup (/__bench/static/<bytes>). Also an R2-derived
// hit: a derived image the edge cache does not hold (a fresh version number in
// the URL each time) but R2 does, so nothing is transformed again.
// Target: a cache hit within 1.5x of the floor.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalWorker } from './support/local-worker.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_REQUESTS ?? 400);
const WARMUP = 40;
const CLOUD = { name: 'demo', key: '123456789012345', secret: 'local-dev-secret' };

const worker = await startLocalWorker('cache', {
  CLOUDINARY_URL: `cloudinary://${CLOUD.key}:${CLOUD.secret}@${CLOUD.name}`,
  ENABLE_DEMO_PAGES: 'true',
});

try {
  const base = worker.base;
  const photo = readFileSync(join(root, 'test', 'fixtures', 'photo-1mp.jpg'));
  const publicId = 'bench_cache_photo';
  await upload(base, publicId, photo);

  const original = `${base}/demo/image/upload/${publicId}.jpg`;
  const derived = `${base}/demo/image/upload/c_scale,w_600/${publicId}.jpg`;
  const originalBytes = await warm(original);
  const derivedBytes = await warm(derived);
  let fresh = 1000;
  const rows = [
    row('cache hit, original', () => original, originalBytes, 'HIT'),
    row('cache hit, derived', () => derived, derivedBytes, 'HIT'),
    row('R2-derived hit (edge miss)', () => `${base}/demo/image/upload/c_scale,w_600/v${fresh++}/${publicId}.jpg`, derivedBytes, 'MISS'),
  ];
  const results = [];
  for (const r of rows) {
    const floor = await measure(() => `${base}/__bench/static/${r.bytes}`, r.bytes);
    const timed = await measure(r.url, r.bytes, r.state);
    results.push({ name: r.name, bytes: r.bytes, ...timed, floorMedian: floor.median, floorP99: floor.p99 });
  }
  console.log(`\nEdge cache through a local worker: ${N} sequential requests each, after ${WARMUP} warm-up (ms)\n`);
  console.log('| case | bytes | median | p99 | floor median | floor p99 | median / floor |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.bytes} | ${r.median.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.floorMedian.toFixed(2)} | ${r.floorP99.toFixed(2)} | ${(r.median / r.floorMedian).toFixed(2)}x |`,
    );
  }
  const hits = results.filter((r) => r.name.startsWith('cache hit'));
  const worst = Math.max(...hits.map((r) => r.median / r.floorMedian));
  console.log(
    `\nTarget: a cache hit within 1.5x of the floor. Worst hit ratio: ${worst.toFixed(2)}x -> ${worst <= 1.5 ? 'met' : 'NOT met'}`,
  );
} finally {
  await worker.dispose();
}

function row(name, url, bytes, state) {
  return { name, url, bytes, state };
}

async function upload(base, publicId, bytes) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHash('sha1').update(`public_id=${publicId}&timestamp=${timestamp}${CLOUD.secret}`).digest('hex');
  const form = new FormData();
  for (const [k, v] of Object.entries({ public_id: publicId, timestamp, api_key: CLOUD.key, signature })) form.set(k, v);
  form.set('file', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg');
  const res = await fetch(`${base}/v1_1/${CLOUD.name}/image/upload`, { method: 'POST', body: form });
  if (!res.ok) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
}

/** Asks until the answer is a HIT; returns its size. */
async function warm(url) {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(url);
    const body = await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url} answered ${res.status} ${res.headers.get('x-cld-error')}`);
    if (res.headers.get('x-cache') === 'HIT') return body.byteLength;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never a HIT: ${url}`);
}

async function measure(urlOf, bytes, state) {
  const times = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const url = urlOf();
    const t = process.hrtime.bigint();
    const res = await fetch(url);
    const body = await res.arrayBuffer();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (res.status !== 200 || body.byteLength !== bytes) throw new Error(`${url}: ${res.status}, ${body.byteLength} bytes`);
    if (state && res.headers.get('x-cache') !== state) throw new Error(`${url}: X-Cache ${res.headers.get('x-cache')}, expected ${state}`);
    if (i >= WARMUP) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], p99: times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)] };
}
