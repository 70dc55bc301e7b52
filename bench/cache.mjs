#!/usr/bin/env node
// `npm run bench:cache`: what an edge-cache hit costs through a local worker
// (wrangler's dev server, local Cache API, R2 and D1), beside the floor: the
// same worker answering a body of the same size from memory with no parsing,
// no access checks and no lookup (/__bench/static/<bytes>). Also an R2-derived
// hit: a derived image the edge cache does not hold (a fresh version number in
// the URL each time) but R2 does, so nothing is transformed again.
// Target: a cache hit within 1.5x of the floor.
// With SERVER_TIMING=true each answer says the calls it made per binding; the
// second table gives their medians per case (Cloudflare's purge API configured,
// at an address nothing answers: no purge runs here, but hits work as in
// production), with a miss making a new derived image and a fetch URL hit.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
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
  SERVER_TIMING: 'true',
  ALLOW_PRIVATE_NETWORK_FETCH: 'true',
  CF_ZONE_ID: 'bench-zone',
  CF_API_TOKEN: 'bench-token',
  CF_API_BASE_URL: 'http://127.0.0.1:9/client/v4',
});
const photoBytes = readFileSync(join(root, 'test', 'fixtures', 'photo-1mp.jpg'));
// A remote origin for the fetch URL row.
const origin = createServer((_req, res) =>
  res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'max-age=3600' }).end(photoBytes),
);
await new Promise((resolve) => origin.listen(0, '127.0.0.1', resolve));

try {
  const base = worker.base;
  const photo = photoBytes;
  const publicId = 'bench_cache_photo';
  await upload(base, publicId, photo);

  const original = `${base}/demo/image/upload/${publicId}.jpg`;
  const derived = `${base}/demo/image/upload/c_scale,w_600/${publicId}.jpg`;
  const fetched = `${base}/demo/image/fetch/http://127.0.0.1:${origin.address().port}/photo.jpg`;
  const originalBytes = await warm(original);
  const derivedBytes = await warm(derived);
  const fetchedBytes = await warm(fetched);
  let fresh = 1000;
  let width = 100;
  const rows = [
    row('cache hit, original', () => original, originalBytes, 'HIT'),
    row('cache hit, derived', () => derived, derivedBytes, 'HIT'),
    row('cache hit, fetch URL', () => fetched, fetchedBytes, 'HIT'),
    row('R2-derived hit (edge miss)', () => `${base}/demo/image/upload/c_scale,w_600/v${fresh++}/${publicId}.jpg`, derivedBytes, 'MISS'),
    row('miss, new derived image', () => `${base}/demo/image/upload/c_scale,w_${width++}/${publicId}.jpg`, undefined, 'MISS', 40),
  ];
  const results = [];
  for (const r of rows) {
    const floor = r.bytes === undefined ? undefined : await measure(() => `${base}/__bench/static/${r.bytes}`, r.bytes);
    const timed = await measure(r.url, r.bytes, r.state, r.n);
    results.push({ name: r.name, bytes: r.bytes ?? timed.bytes, ...timed, floorMedian: floor?.median ?? NaN, floorP99: floor?.p99 ?? NaN });
  }
  console.log(`\nEdge cache through a local worker: ${N} sequential requests each, after ${WARMUP} warm-up (ms)\n`);
  console.log('| case | bytes | median | p99 | floor median | floor p99 | median / floor |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.bytes} | ${r.median.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.floorMedian.toFixed(2)} | ${r.floorP99.toFixed(2)} | ${(r.median / r.floorMedian).toFixed(2)}x |`,
    );
  }
  console.log('\nCalls per request (median of Server-Timing counts; the header leaves out work left to waitUntil)\n');
  console.log('| case | D1 | R2 | KV | Queue | Cache API |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of results)
    console.log(`| ${r.name} | ${r.calls.d1} | ${r.calls.r2} | ${r.calls.kv} | ${r.calls.queue} | ${r.calls.cacheapi} |`);
  const hits = results.filter((r) => r.name.startsWith('cache hit'));
  const worst = Math.max(...hits.map((r) => r.median / r.floorMedian));
  console.log(
    `\nTarget: a cache hit within 1.5x of the floor. Worst hit ratio: ${worst.toFixed(2)}x -> ${worst <= 1.5 ? 'met' : 'NOT met'}`,
  );
} finally {
  await worker.dispose();
  origin.close();
}

function row(name, url, bytes, state, n = N) {
  return { name, url, bytes, state, n };
}

/** The binding counts of a Server-Timing header: `d1;count=0;dur=0, ...`. */
function countsOf(header) {
  return Object.fromEntries([...(header ?? '').matchAll(/(\w+);count=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
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

async function measure(urlOf, bytes, state, n = N) {
  const times = [];
  const counts = [];
  let size = 0;
  const warmup = n < N ? 0 : WARMUP;
  for (let i = 0; i < warmup + n; i++) {
    const url = urlOf();
    const t = process.hrtime.bigint();
    const res = await fetch(url);
    const body = await res.arrayBuffer();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (res.status !== 200 || (bytes !== undefined && body.byteLength !== bytes))
      throw new Error(`${url}: ${res.status}, ${body.byteLength} bytes`);
    if (state && res.headers.get('x-cache') !== state) throw new Error(`${url}: X-Cache ${res.headers.get('x-cache')}, expected ${state}`);
    size = body.byteLength;
    if (i < warmup) continue;
    times.push(ms);
    counts.push(countsOf(res.headers.get('server-timing')));
  }
  times.sort((a, b) => a - b);
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const calls = Object.fromEntries(['d1', 'r2', 'kv', 'queue', 'cacheapi'].map((k) => [k, median(counts.map((c) => c[k] ?? 0))]));
  return {
    median: times[Math.floor(times.length / 2)],
    p99: times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)],
    calls,
    bytes: size,
  };
}
