// Builds the worker as `wrangler deploy` would upload it (--dry-run, nothing is sent),
// prints its size, and fails when the compressed size passes the Workers paid plan's
// limit: 10 MB after compression (https://developers.cloudflare.com/workers/platform/limits/#worker-size).
// The figure is measured as wrangler measures it: gzip over all uploaded modules together.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const LIMIT_BYTES = 10 * 1024 * 1024;
const MiB = 1024 * 1024;

const outdir = mkdtempSync(join(tmpdir(), 'cld-bundle-'));
try {
  const build = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    process.stdout.write(build.stdout ?? '');
    throw new Error(`wrangler deploy --dry-run failed (exit ${build.status})`);
  }
  // Source maps and wrangler's README stay local; everything else is uploaded.
  const uploaded = readdirSync(outdir).filter((name) => !name.endsWith('.map') && name !== 'README.md');
  const contents = uploaded.map((name) => readFileSync(join(outdir, name)));
  const raw = contents.reduce((sum, b) => sum + b.length, 0);
  const gzip = gzipSync(Buffer.concat(contents)).length;
  const percent = ((gzip / LIMIT_BYTES) * 100).toFixed(1);
  console.log(
    `worker bundle: ${uploaded.length} modules, ${(raw / MiB).toFixed(2)} MiB, gzip ${(gzip / MiB).toFixed(2)} MiB ` +
      `(${percent}% of the paid plan's ${LIMIT_BYTES / MiB} MiB)`,
  );
  const largest = uploaded
    .map((name, i) => ({ name: name.replace(/^[0-9a-f]{40}-/, ''), bytes: contents[i].length }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
  for (const m of largest) console.log(`  ${(m.bytes / MiB).toFixed(2).padStart(6)} MiB  ${m.name}`);
  if (gzip > LIMIT_BYTES) {
    console.error(`The compressed worker (${gzip} bytes) is over the Workers paid plan's limit (${LIMIT_BYTES} bytes).`);
    process.exitCode = 1;
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
