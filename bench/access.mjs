#!/usr/bin/env node
// `node bench/access.mjs`: the cost of the access stage over HTTP. The real
// worker runs on a fresh state directory; one photo is uploaded per type with
// Cloudinary's SDK, then each kind of URL is fetched RUNS times in turn and
// the median and p95 wall times are printed (in a new random order each
// round). Public unsigned delivery is the
// baseline; the others add signature, token, strict or denial work.
// Target (issue 5): the access stage adds under 5 ms at the median.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unstable_startWorker } from 'wrangler';

process.env.WRANGLER_SEND_METRICS = 'false';
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const TARGET_MS = 5;
const CLOUD = { cloud_name: 'bench', api_key: '444444444444444', api_secret: 'bench-secret' };
const KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

const persist = mkdtempSync(join(tmpdir(), 'cld-bench-access-'));
const worker = await unstable_startWorker({
  config: 'wrangler.toml',
  bindings: { CLOUDINARY_URL: { type: 'plain_text', value: `cloudinary://${CLOUD.api_key}:${CLOUD.api_secret}@${CLOUD.cloud_name}` } },
  dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist, logLevel: 'warn', watch: false },
});
const base = (await worker.url).origin;

try {
  process.env.CLOUDINARY_URL = `cloudinary://${CLOUD.api_key}:${CLOUD.api_secret}@${CLOUD.cloud_name}?upload_prefix=${base}`;
  const { v2: cloudinary } = await import('cloudinary');
  cloudinary.config({ cname: new URL(base).host, secure: false, analytics: false });
  const auth = 'Basic ' + Buffer.from(`${CLOUD.api_key}:${CLOUD.api_secret}`).toString('base64');
  const settings = await fetch(`${base}/v1_1/${CLOUD.cloud_name}/settings`, {
    method: 'PUT',
    headers: { Authorization: auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth_token_key: KEY, strict_transformations: true }),
  });
  if (settings.status !== 200) throw new Error(`settings: ${settings.status}`);

  const photo = `data:image/jpeg;base64,${readFileSync('test/fixtures/photo-1mp.jpg').toString('base64')}`;
  for (const type of ['upload', 'private', 'authenticated']) await cloudinary.uploader.upload(photo, { public_id: `bench_${type}`, type });
  const url = (id, opts = {}) => cloudinary.url(id, { secure: false, format: 'jpg', ...opts });

  const cases = {
    'public original (baseline)': [url('bench_upload'), 200],
    'private original, 8-char signature': [url('bench_private', { type: 'private', sign_url: true }), 200],
    'private original, 32-char signature': [url('bench_private', { type: 'private', sign_url: true, long_url_signature: true }), 200],
    'authenticated original, url token': [
      url('bench_authenticated', { type: 'authenticated', sign_url: true, auth_token: { key: KEY, duration: 3600 } }),
      200,
    ],
    'authenticated original, acl token': [
      url('bench_authenticated', { type: 'authenticated', sign_url: true, auth_token: { key: KEY, duration: 3600, acl: '/image/*' } }),
      200,
    ],
    'private original unsigned (401)': [url('bench_private', { type: 'private' }), 401],
    'strict derived unsigned (401, eager lookup)': [url('bench_upload', { width: 100, crop: 'scale' }), 401],
    'tampered signature (401)': [
      url('bench_private', { type: 'private', sign_url: true }).replace(/s--(.)/, (_, c) => `s--${c === 'A' ? 'B' : 'A'}`),
      401,
    ],
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const names = Object.keys(cases);
  for (let i = 0; i < RUNS + 10; i++) {
    // A shuffled order each round, so no case always follows a heavy one.
    for (let j = names.length - 1; j > 0; j--) {
      const k = Math.floor(Math.random() * (j + 1));
      [names[j], names[k]] = [names[k], names[j]];
    }
    for (const name of names) {
      const [target, status] = cases[name];
      const t = performance.now();
      const res = await fetch(target);
      await res.arrayBuffer();
      const ms = performance.now() - t;
      if (res.status !== status) throw new Error(`${name}: ${res.status} ${res.headers.get('x-cld-error')}`);
      if (i >= 10) times[name].push(ms); // the first rounds warm the isolate
    }
  }
  const pct = (list, p) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(list.length * p))];
  const baseline = pct(times['public original (baseline)'], 0.5);
  console.log(`access stage over HTTP, ${RUNS} runs each (ms)`);
  let worst = 0;
  for (const [name, list] of Object.entries(times)) {
    const median = pct(list, 0.5);
    worst = Math.max(worst, median - baseline);
    console.log(
      `${name.padEnd(46)} median ${median.toFixed(2).padStart(6)}  p95 ${pct(list, 0.95).toFixed(2).padStart(6)}  (+${(median - baseline).toFixed(2)})`,
    );
  }
  console.log(
    `largest median overhead over the baseline: ${worst.toFixed(2)} ms (target < ${TARGET_MS} ms) ${worst < TARGET_MS ? 'OK' : 'OVER'}`,
  );
  if (worst >= TARGET_MS) process.exitCode = 1;
} finally {
  await worker.dispose();
  rmSync(persist, { recursive: true, force: true });
}
