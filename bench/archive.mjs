#!/usr/bin/env node
// `npm run bench:archive`: an archive of ~1 GB of originals (BENCH_ARCHIVE_MB,
// in files of 100 MB) through a local worker, in both modes: streamed to the
// client (download_zip_url) and stored as a raw asset (create_zip). Prints the
// time, the archive code's own high-water mark (the bytes its buffers held at
// most, charged to the isolate's memory budget and reported by the worker's
// Server-Timing `archive-last` metric), and beside it the workerd processes'
// resident memory before and at their peak while the archive streams.
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalWorker } from './support/local-worker.mjs';

const TOTAL_MB = Number(process.env.BENCH_ARCHIVE_MB ?? 1000);
const FILE_MB = Number(process.env.BENCH_ARCHIVE_FILE_MB ?? 100);
const CLOUD = { name: 'demo', key: '123456789012345', secret: 'local-dev-secret' };

const worker = await startLocalWorker(
  'archive',
  {
    CLOUDINARY_URL: `cloudinary://${CLOUD.key}:${CLOUD.secret}@${CLOUD.name}`,
    SERVER_TIMING: 'true',
  },
  process.env.BENCH_LOG ?? 'error',
);

/** Resident memory (MB) of the workerd processes this bench started. */
function workerdRssMb() {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,rss=,comm='], { encoding: 'utf8' }).trim().split('\n');
  const procs = rows.map((r) => r.trim().split(/\s+/)).map(([pid, ppid, rss, comm]) => ({ pid: +pid, ppid: +ppid, rss: +rss, comm }));
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) {
      if (mine.has(p.pid) || !mine.has(p.ppid)) continue;
      mine.add(p.pid);
      grew = true;
    }
  }
  return procs.filter((p) => mine.has(p.pid) && p.comm.includes('workerd')).reduce((n, p) => n + p.rss, 0) / 1024;
}

/**
 * The worker's figures for its last finished archive: a HEAD of a download URL
 * makes no archive and carries them (`archive-last;desc="...";files=;bytes=;peak=`).
 * On a connection of its own: sent through fetch's kept-alive pool after a long
 * archive, it waited minutes here while a new connection was answered at once.
 */
function lastArchive(url) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'HEAD', agent: false, timeout: 120_000 }, (res) => {
      res.resume();
      const metric = String(res.headers['server-timing'] ?? '')
        .split(', ')
        .find((m) => m.startsWith('archive-last;'));
      if (!metric) return reject(new Error(`no archive-last metric in ${res.headers['server-timing']}`));
      const figures = Object.fromEntries(
        metric
          .split(';')
          .slice(1)
          .map((p) => p.split('=')),
      );
      resolve({ ...figures, seconds: (performance.now() - t0) / 1000 });
    });
    req.on('timeout', () => req.destroy(new Error('HEAD timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function measured(label, run, statsUrl) {
  const before = workerdRssMb();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, workerdRssMb())), 100);
  const t0 = performance.now();
  const bytes = await run();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  const last = await lastArchive(statsUrl);
  if (Number(last.bytes) !== bytes) throw new Error(`the worker's last archive has ${last.bytes} bytes, this one ${bytes}`);
  console.log(
    `${label.padEnd(28)} ${(bytes / 1e6).toFixed(0).padStart(6)} MB  ${seconds.toFixed(1).padStart(6)} s  ` +
      `archive buffers peak ${(Number(last.peak) / 2 ** 20).toFixed(2)} MiB (${last.peak} B)  ` +
      `workerd RSS ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB peak (+${(peak - before).toFixed(0)} MB)  ` +
      `(figures read in ${last.seconds.toFixed(1)} s)`,
  );
}

const work = mkdtempSync(join(tmpdir(), 'cld-bench-archive-files-'));
try {
  const base = worker.base;
  process.env.CLOUDINARY_URL = `cloudinary://${CLOUD.key}:${CLOUD.secret}@${CLOUD.name}?upload_prefix=${base}`;
  const { v2: cloudinary } = await import('cloudinary');
  const tag = `bench_archive_${Date.now()}`;
  const files = Math.max(1, Math.round(TOTAL_MB / FILE_MB));
  const chunk = Buffer.alloc(FILE_MB * 1024 * 1024);
  for (let i = 0; i < files; i++) {
    const path = join(work, `part-${i}.bin`);
    writeFileSync(path, randomFillSync(chunk));
    await new Promise((resolve, reject) =>
      cloudinary.uploader.upload_large(
        path,
        { resource_type: 'raw', public_id: `bench_archive/part-${i}.bin`, tags: [tag], chunk_size: 20 * 1024 * 1024 },
        (err, res) => (err ? reject(err) : resolve(res)),
      ),
    );
    rmSync(path);
  }
  console.log(`archive bench: ${files} raw files of ${FILE_MB} MB`);
  const statsUrl = cloudinary.utils.download_zip_url({ tags: [tag], resource_type: 'raw' });
  await measured(
    'download (zip, streamed)',
    async () => {
      const res = await fetch(cloudinary.utils.download_zip_url({ tags: [tag], resource_type: 'raw' }));
      if (res.status !== 200) throw new Error(`download answered ${res.status}: ${await res.text()}`);
      let n = 0;
      for await (const part of res.body) n += part.length;
      if (n !== Number(res.headers.get('content-length'))) throw new Error(`got ${n} bytes of ${res.headers.get('content-length')}`);
      return n;
    },
    statsUrl,
  );
  await measured(
    'create (zip, R2 multipart)',
    async () => {
      // The SDK gives up on a call after 60 s unless told otherwise; a gigabyte takes longer on this machine.
      const answer = await cloudinary.uploader.create_zip({ tags: [tag], resource_type: 'raw', timeout: 3_600_000 });
      return answer.bytes;
    },
    statsUrl,
  );
} finally {
  await worker.dispose();
  rmSync(work, { recursive: true, force: true });
}
