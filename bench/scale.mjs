#!/usr/bin/env node
// `npm run bench:scale`: how many D1 bytes one typical asset costs, measured on a real
// local worker, for docs/scale.md. A typical asset here: a photo uploaded with three
// tags, two context values and a structured metadata value, two eager variants, then
// delivered as its original and one more transformation (so it has three derived rows
// and the cache bookkeeping that delivery writes). The database's size comes from D1
// itself (`meta.size_after`), read before and after the uploads through wrangler's
// platform proxy on the worker's own state directory.
//
// The listing side of scale (1,000,000 resources in one cloud, query plans and times)
// is `BENCH_RESOURCES=1000000 npm run bench:admin`, which prints the database size too.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getPlatformProxy } from 'wrangler';
import { startLocalWorker } from './support/local-worker.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSETS = Number(process.env.BENCH_ASSETS ?? 100);
const CLOUD = { name: 'demo', key: '123456789012345', secret: 'local-dev-secret' };
const D1_LIMIT_BYTES = 10 * 1000 ** 3; // D1's maximum database size (10 GB) on the paid plan
const vars = {
  CLOUDINARY_URL: `cloudinary://${CLOUD.key}:${CLOUD.secret}@${CLOUD.name}`,
  SERVER_TIMING: 'true',
  ALLOW_PRIVATE_NETWORK_FETCH: 'true',
};
const auth = { Authorization: 'Basic ' + Buffer.from(`${CLOUD.key}:${CLOUD.secret}`).toString('base64') };

const state = mkdtempSync(join(tmpdir(), 'cld-bench-scale-'));
const photo = readFileSync(join(root, 'test', 'fixtures', 'photo-1mp.jpg'));

/** D1's own figure for the database's size, and the rows per table. */
async function database() {
  const proxy = await getPlatformProxy({ configPath: join(root, 'wrangler.toml'), persist: { path: join(state, 'v3') } });
  try {
    const size = (await proxy.env.DB.prepare('SELECT 1').run()).meta.size_after;
    const tables = ['resources', 'resource_tags', 'resource_context', 'resource_metadata', 'derived', 'revisions', 'cache_entries'];
    const rows = {};
    for (const t of tables) {
      try {
        rows[t] = (await proxy.env.DB.prepare(`SELECT count(*) AS n FROM ${t}`).first()).n;
      } catch {
        rows[t] = '-'; // a table this version of the schema does not have
      }
    }
    return { size, rows };
  } finally {
    await proxy.dispose();
  }
}

async function withWorker(fn, extra = {}) {
  const worker = await startLocalWorker('scale', { ...vars, ...extra }, 'error', state);
  try {
    return await fn(worker.base);
  } finally {
    await worker.dispose();
  }
}

async function admin(base, method, path, body) {
  const res = await fetch(`${base}/v1_1/${CLOUD.name}/${path}`, {
    method,
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function upload(base, params) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signed = { ...params, timestamp };
  const toSign = Object.keys(signed)
    .sort()
    .map((k) => `${k}=${signed[k]}`)
    .join('&');
  const signature = createHash('sha1')
    .update(toSign + CLOUD.secret)
    .digest('hex');
  const form = new FormData();
  for (const [k, v] of Object.entries({ ...signed, api_key: CLOUD.key, signature })) form.set(k, v);
  form.set('file', new Blob([photo], { type: 'image/jpeg' }), 'photo.jpg');
  const res = await fetch(`${base}/v1_1/${CLOUD.name}/image/upload`, { method: 'POST', body: form });
  if (!res.ok) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function deliver(url) {
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status} ${res.headers.get('x-cld-error')}`);
}

/** The binding calls of one delivery, from its `Server-Timing` header (SERVER_TIMING=true). */
async function calls(url) {
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status} ${res.headers.get('x-cld-error')}`);
  const timing = res.headers.get('server-timing') ?? '';
  const count = (name) => /;count=(\d+)/.exec(timing.split(',').find((m) => m.trim().startsWith(`${name};`)) ?? '')?.[1] ?? '?';
  return {
    cache: /cache;desc="(\w+)"/.exec(timing)?.[1] ?? res.headers.get('x-cache') ?? '?',
    d1: count('d1'),
    r2: count('r2'),
    kv: count('kv'),
  };
}

/** Asks until the edge cache holds the answer (the store happens after the answer, in waitUntil). */
async function untilHit(url) {
  for (let i = 0; i < 100; i++) {
    if ((await calls(url)).cache === 'HIT') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never a HIT: ${url}`);
}

/** D1/R2/KV calls per kind of delivery, for docs/scale.md's table. */
async function callsPerRequestKind(base) {
  const origin = createServer((req, res) =>
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'max-age=3600' }).end(photo),
  );
  await new Promise((r) => origin.listen(0, '127.0.0.1', r));
  try {
    const publicId = `kinds_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
    await upload(base, { public_id: publicId });
    const url = (t) => `${base}/${CLOUD.name}/image/upload/${t}${publicId}.jpg`;
    const fetched = `${base}/${CLOUD.name}/image/fetch/w_200/http://127.0.0.1:${origin.address().port}/photo.jpg`;
    const rows = [];
    const row = async (kind, u) => rows.push({ kind, ...(await calls(u)) });
    await row('original, edge miss', url(''));
    await untilHit(url(''));
    await row('original, edge hit', url(''));
    await row('new derived image (miss, transform)', url('c_fill,w_240,h_240/'));
    await untilHit(url('c_fill,w_240,h_240/'));
    await row('derived, edge hit', url('c_fill,w_240,h_240/'));
    await row('derived in R2, edge miss (other version form)', url('c_fill,w_240,h_240/v1/'));
    await row('fetch, first view', fetched);
    await untilHit(fetched);
    await row('fetch, edge hit', fetched);
    console.log(`\n${'request kind'.padEnd(48)} cache  D1  R2  KV`);
    for (const r of rows)
      console.log(`${r.kind.padEnd(48)} ${r.cache.padEnd(5)} ${r.d1.padStart(3)} ${r.r2.padStart(3)} ${r.kv.padStart(3)}`);
  } finally {
    origin.close();
  }
}

try {
  const sku = `sku_${Date.now()}`;
  await withWorker((base) => admin(base, 'POST', 'metadata_fields', { external_id: sku, type: 'string', label: 'SKU' }));
  const before = await database();
  const t0 = performance.now();
  await withWorker(async (base) => {
    for (let i = 0; i < ASSETS; i++) {
      const publicId = `catalog/summer/product_${String(i).padStart(6, '0')}`;
      await upload(base, {
        public_id: publicId,
        tags: 'product,summer,sale-2026',
        context: `alt=Product photo ${i}|caption=Summer collection`,
        metadata: `${sku}=SKU-${100000 + i}`,
        eager: 'c_fill,w_300,h_300|c_scale,w_800',
      });
      await deliver(`${base}/${CLOUD.name}/image/upload/${publicId}.jpg`);
      await deliver(`${base}/${CLOUD.name}/image/upload/c_thumb,w_100,h_100/${publicId}.webp`);
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  const after = await database();
  const perAsset = (after.size - before.size) / ASSETS;
  console.log(`[bench:scale] ${ASSETS} typical assets uploaded and delivered in ${seconds.toFixed(1)} s`);
  console.log(
    `rows per asset: ${JSON.stringify(Object.fromEntries(Object.entries(after.rows).map(([t, n]) => [t, n === '-' ? n : n / ASSETS])))}`,
  );
  console.log(`D1 size: ${before.size} bytes empty, ${after.size} bytes after -> ${Math.round(perAsset)} bytes per typical asset`);
  console.log(`one 10 GB D1 database holds about ${(D1_LIMIT_BYTES / perAsset / 1e6).toFixed(1)} million such assets`);
  console.log('\nWithout Cloudflare purge credentials (wrangler dev, the tests): hits of assets that can change keep a check');
  await withWorker(callsPerRequestKind);
  console.log('\nWith CF_ZONE_ID/CF_API_TOKEN (purge by Cache-Tag reaches every data centre; a local stub answers the API)');
  const cloudflare = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('{"success":true,"result":{}}')));
  await new Promise((r) => cloudflare.listen(0, '127.0.0.1', r));
  try {
    const api = `http://127.0.0.1:${cloudflare.address().port}`;
    await withWorker(callsPerRequestKind, { CF_ZONE_ID: 'zone', CF_API_TOKEN: 'token', CF_API_BASE_URL: api });
  } finally {
    cloudflare.close();
  }
} finally {
  rmSync(state, { recursive: true, force: true });
}
