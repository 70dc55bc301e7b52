#!/usr/bin/env node
// `npm run bench:admin`: Admin API listings against a local D1 holding 100,000
// resources in one cloud (plus 20,000 in another, so the cloud column has to
// be selective). The worker creates its schema in a fresh state directory,
// rows are bulk-loaded there through wrangler's platform proxy, then the real
// worker is started on that directory again and timed over HTTP, so a figure
// covers routing, auth, the D1 query and the JSON answer.
// Target (issue 8): every listing under 50 ms.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getPlatformProxy, unstable_startWorker } from 'wrangler';

process.env.WRANGLER_SEND_METRICS = 'false';
const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 100_000);
const NOISE = Math.round(RESOURCES / 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const TARGET_MS = 50;
const CLOUD = { cloud_name: 'bench', api_key: '444444444444444', api_secret: 'bench-secret' };
const NOISE_CLOUD = { cloud_name: 'noise', api_key: '555555555555555', api_secret: 'noise-secret' };
const TAGS = 50;
const FOLDERS = 100;

const persist = mkdtempSync(join(tmpdir(), 'cld-bench-admin-'));
const vars = {
  CLOUDINARY_URL: `cloudinary://${CLOUD.api_key}:${CLOUD.api_secret}@${CLOUD.cloud_name}`,
  CLOUDS: JSON.stringify([NOISE_CLOUD]),
};
const auth = { Authorization: 'Basic ' + Buffer.from(`${CLOUD.api_key}:${CLOUD.api_secret}`).toString('base64') };

async function startWorker() {
  const worker = await unstable_startWorker({
    config: 'wrangler.toml',
    bindings: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, { type: 'plain_text', value: v }])),
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist, logLevel: 'warn', watch: false },
  });
  return { worker, base: (await worker.url).origin };
}

/** The answer, and D1's own time for its queries from the `Server-Timing: d1;dur=` header. */
async function call(base, path) {
  const search = typeof path === 'object';
  const res = await fetch(`${base}/v1_1/${CLOUD.cloud_name}/${search ? 'resources/search' : path}`, {
    method: search ? 'POST' : 'GET',
    headers: search ? { ...auth, 'Content-Type': 'application/json' } : auth,
    body: search ? JSON.stringify(path) : undefined,
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${JSON.stringify(path)}: ${res.status} ${JSON.stringify(body)}`);
  const d1 = /d1;(?:count=\d+;)?dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '');
  return { body, d1: d1 ? Number(d1[1]) : undefined };
}

const get = async (base, path) => (await call(base, path)).body;

/** A migration file's statements, as src/storage/schema.ts splits them (a trigger body, BEGIN to END;, is one). */
function splitStatements(sql) {
  const out = [];
  let current = '';
  let inBody = false;
  for (const line of sql.split('\n')) {
    if (line.trim().startsWith('--')) continue;
    if (/\bBEGIN\s*$/i.test(line)) inBody = true;
    const ends = inBody ? /^\s*END;\s*$/i.test(line) : line.includes(';');
    if (!ends) {
      current += line + '\n';
      continue;
    }
    if (inBody) {
      out.push((current + line.replace(/;\s*$/, '')).trim());
      inBody = false;
      current = '';
    } else {
      const parts = (current + line).split(';');
      out.push(...parts.slice(0, -1).map((p) => p.trim()));
      current = parts[parts.length - 1] + '\n';
    }
  }
  out.push(current.trim());
  return out.filter(Boolean);
}

/** The worker's migrations, applied as src/storage/schema.ts does (and recorded, so the worker skips them). */
async function applyMigrations(db) {
  for (const file of readdirSync('migrations')
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const statements = splitStatements(readFileSync(join('migrations', file), 'utf8'));
    await db.batch([
      ...statements.map((s) => db.prepare(s)),
      db.prepare('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)'),
      db.prepare('INSERT OR IGNORE INTO schema_migrations (name, applied_at) VALUES (?, ?)').bind(file.replace(/\.sql$/, ''), Date.now()),
    ]);
  }
}

/** Rows go in 2,000 at a time from one JSON parameter (D1 allows 100 bound parameters per statement). */
async function load(db, cloud, count, offset) {
  const CHUNK = 2_000;
  for (let start = 0; start < count; start += CHUNK) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      const n = offset + i;
      rows.push([
        `folder_${n % FOLDERS}/asset_${String(n).padStart(7, '0')}`,
        n.toString(16).padStart(32, '0'),
        new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        // Varied for search: a third each jpg/png/webp, widths 100..2099, sizes 10 KB..110 KB.
        ['jpg', 'png', 'webp'][n % 3],
        100 + (n % 2000),
        10_000 + (n % 1000) * 100,
      ]);
    }
    await db
      .prepare(
        `INSERT INTO resources (cloud, resource_type, type, public_id, asset_id, version, version_id, r2_key, format, content_type,
           width, height, bytes, etag, created_at, uploaded_at, moderation_kind, moderation_status)
         SELECT ?, 'image', 'upload', json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), 1767225600, 'v', 'o/none',
           json_extract(j.value, '$[3]'), 'image/jpeg', json_extract(j.value, '$[4]'), 480, json_extract(j.value, '$[5]'), 'etag',
           json_extract(j.value, '$[2]'), json_extract(j.value, '$[2]'),
           CASE WHEN j.key % 10 = 0 THEN 'manual' END, CASE WHEN j.key % 10 = 0 THEN 'pending' END
         FROM json_each(?) j`,
      )
      .bind(cloud, JSON.stringify(rows))
      .run();
  }
  // Every resource has the tag `common`, one of TAGS tags `t<n>` and a context value.
  await db
    .prepare(`INSERT INTO resource_tags (resource_id, cloud, tag) SELECT id, cloud, 'common' FROM resources WHERE cloud = ?`)
    .bind(cloud)
    .run();
  await db
    .prepare(`INSERT INTO resource_tags (resource_id, cloud, tag) SELECT id, cloud, 't' || (id % ${TAGS}) FROM resources WHERE cloud = ?`)
    .bind(cloud)
    .run();
  // And a tag of its own, so the tag listing has 100,000 distinct names to page through.
  await db
    .prepare(
      `INSERT INTO resource_tags (resource_id, cloud, tag) SELECT id, cloud, 'u' || printf('%07d', id) FROM resources WHERE cloud = ?`,
    )
    .bind(cloud)
    .run();
  await db
    .prepare(
      `INSERT INTO resource_context (resource_id, cloud, key, value) SELECT id, cloud, 'group', 'g' || (id % 20) FROM resources WHERE cloud = ?`,
    )
    .bind(cloud)
    .run();
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1] };
}

/** A query that fails (at 1,000,000 resources a search may outgrow the local runtime) is reported, not fatal. */
async function time(base, label, path) {
  try {
    return await timeRuns(base, label, path);
  } catch (e) {
    return { label, count: 0, http: { median: NaN, p95: NaN }, error: String(e.message ?? e).slice(0, 80) };
  }
}

async function timeRuns(base, label, path) {
  for (let i = 0; i < 3; i++) await get(base, path); // warm-up
  const http = [];
  const d1 = [];
  let count = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const res = await call(base, path);
    http.push(performance.now() - t0);
    if (res.d1 !== undefined) d1.push(res.d1);
    count = (res.body.resources ?? res.body.tags ?? []).length;
  }
  return { label, count, http: stats(http), d1: d1.length ? stats(d1) : undefined };
}

const fmt = (n) => n.toFixed(2).padStart(7);

try {
  console.log(`[bench:admin] loading ${RESOURCES} resources (+${NOISE} in another cloud)`);
  const t0 = performance.now();
  const proxy = await getPlatformProxy({ configPath: 'wrangler.toml', persist: { path: join(persist, 'v3') } });
  await applyMigrations(proxy.env.DB);
  await load(proxy.env.DB, NOISE_CLOUD.cloud_name, NOISE, 0);
  await load(proxy.env.DB, CLOUD.cloud_name, RESOURCES, NOISE);
  // D1's own figure for the database's size (docs/scale.md: bytes per indexed asset).
  const size = (await proxy.env.DB.prepare('SELECT 1').run()).meta.size_after;
  await proxy.dispose();
  console.log(`[bench:admin] loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s; D1 size ${(size / 1e6).toFixed(1)} MB`);

  const { worker, base } = await startWorker();
  const usage = await get(base, 'usage');
  if (usage.resources !== RESOURCES) throw new Error(`the worker sees ${usage.resources} resources, expected ${RESOURCES}`);

  // A cursor deep into the listing: half-way through, in pages of 500.
  let deep;
  const deepPages = Math.max(1, Math.floor(RESOURCES / 1000));
  for (let i = 0; i < deepPages; i++)
    deep = (await get(base, `resources/image/upload?max_results=500${deep ? `&next_cursor=${deep}` : ''}`)).next_cursor;

  const results = [];
  results.push(await time(base, 'list, first page (10)', 'resources/image/upload'));
  results.push(await time(base, 'list, first page (500)', 'resources/image/upload?max_results=500'));
  results.push(
    await time(base, `list, page ${deepPages + 1} by cursor (500)`, `resources/image/upload?max_results=500&next_cursor=${deep}`),
  );
  results.push(
    await time(base, 'list asc with tags+context (500)', 'resources/image?max_results=500&direction=asc&tags=true&context=true'),
  );
  results.push(await time(base, 'by tag on all 100k (500)', 'resources/image/tags/common?max_results=500'));
  results.push(await time(base, 'by tag on 2% (500)', 'resources/image/tags/t7?max_results=500'));
  results.push(await time(base, 'prefix, 1% match (500)', 'resources/image/upload?prefix=folder_42/&max_results=500'));
  results.push(await time(base, 'prefix, 11% match (500)', 'resources/image/upload?prefix=folder_4&max_results=500'));
  results.push(await time(base, 'prefix, no type (500)', 'resources/image?prefix=folder_42/asset_00&max_results=500'));
  results.push(await time(base, 'by context key only (500)', 'resources/image/context?key=group&max_results=500'));
  results.push(await time(base, 'by context key+value (500)', 'resources/image/context?key=group&value=g3&max_results=500'));
  results.push(await time(base, 'by moderation (500)', 'resources/image/moderations/manual/pending?max_results=500'));
  results.push(await time(base, 'tags list (500)', 'tags/image?max_results=500'));
  results.push(await time(base, 'tags with prefix (500)', 'tags/image?prefix=u00500&max_results=500'));
  results.push(
    await time(
      base,
      'by ids (100)',
      `resources/image/upload?${Array.from({ length: 100 }, (_, i) => `public_ids[]=folder_${(NOISE + i * 97) % FOLDERS}/asset_${String(NOISE + i * 97).padStart(7, '0')}`).join('&')}`,
    ),
  );
  results.push(await time(base, 'usage (sums over the cloud)', 'usage'));

  // The Search API (POST resources/search): each answer also counts its whole match (total_count).
  const firstSearchPage = await get(base, { expression: 'tags=common', max_results: 100 });
  const searches = [
    ['search tags=t7 (2%), newest first', { expression: 'tags=t7', max_results: 100 }],
    ['search tags=common (100%)', { expression: 'tags=common', max_results: 100 }],
    ['search tags=common, page 2 by cursor', { expression: 'tags=common', max_results: 100, next_cursor: firstSearchPage.next_cursor }],
    ['search public_id:folder_42/* (1%)', { expression: 'public_id:folder_42/*', max_results: 100 }],
    ['search folder=folder_42', { expression: 'folder=folder_42', max_results: 100 }],
    ['search context.group=g3 (5%)', { expression: 'context.group=g3', max_results: 100 }],
    ['search format=png AND bytes>100000', { expression: 'format=png AND bytes>100000', max_results: 100 }],
    ['search width range, sort bytes desc', { expression: 'width:[1000 TO 1010]', max_results: 100, sort_by: [{ bytes: 'desc' }] }],
    ['search created_at day range', { expression: 'created_at:[2026-01-01 TO 2026-01-02]', max_results: 100 }],
    ['search tags=t7 OR tags=t8, NOT png', { expression: '(tags=t7 OR tags=t8) AND NOT format=png', max_results: 100 }],
    ['search t7 + aggregate format, bytes', { expression: 'tags=t7', max_results: 10, aggregate: ['format', 'bytes'] }],
    ['search with_field tags+context (100)', { expression: 'folder=folder_7', max_results: 100, with_field: ['tags', 'context'] }],
    ['search free text asset_00500 (FTS)', { expression: 'asset_00500', max_results: 100 }],
    ['search free text folder_42 (FTS, 1%)', { expression: 'folder_42', max_results: 100 }],
    ['search free text 2 chars _7 (scan)', { expression: '_7', max_results: 100 }],
  ];
  for (const [label, query] of searches) {
    // Free text reads every asset of the cloud (no full-text index): measured, but without the target.
    results.push({ ...(await time(base, label, query)), target: !label.includes('(scan)') });
  }
  await worker.dispose();

  console.log(
    `\n${RESOURCES} resources, ${RUNS} runs each, milliseconds; D1 = the queries' time in D1 (target: median < ${TARGET_MS} ms),`,
  );
  console.log('HTTP = the whole request from this process (routing, auth, JSON of up to 500 resources, loopback HTTP)\n');
  console.log(`${'query'.padEnd(36)} rows  D1 med  D1 p95  D1 max | HTTP med HTTP p95`);
  let failed = false;
  for (const r of results) {
    if (r.error) {
      console.log(`${r.label.padEnd(36)} FAILED: ${r.error}`);
      failed = true;
      continue;
    }
    const over = r.d1 && r.target !== false && r.d1.median > TARGET_MS ? '  OVER TARGET' : '';
    if (over) failed = true;
    const d1 = r.d1 ? `${fmt(r.d1.median)} ${fmt(r.d1.p95)} ${fmt(r.d1.max)}` : `${'-'.padStart(7)} ${'-'.padStart(7)} ${'-'.padStart(7)}`;
    console.log(`${r.label.padEnd(36)} ${String(r.count).padStart(4)} ${d1} | ${fmt(r.http.median)}  ${fmt(r.http.p95)}${over}`);
  }
  if (failed) process.exitCode = 1;
} finally {
  rmSync(persist, { recursive: true, force: true });
}
