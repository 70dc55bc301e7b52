#!/usr/bin/env node
// `npm run dev [-- <wrangler dev args>]`: wrangler dev with the local dev
// configuration, then makes sure the `demo` cloud has its `sample` photo.
// It says "Ready on <url>" only once the README's first URL answers: wrangler's
// own "Ready on" line is held back until the sample is there, so a script (or a
// person) that waits for it never gets a 404 for the sample.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const devVars = join(root, '.dev.vars');
if (!existsSync(devVars)) {
  copyFileSync(join(root, '.dev.vars.example'), devVars);
  console.log('[dev] created .dev.vars from .dev.vars.example');
}

const bin = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'wrangler.cmd' : 'wrangler');
const child = spawn(bin, ['dev', ...process.argv.slice(2)], {
  cwd: root,
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  stdio: ['inherit', 'pipe', 'inherit'],
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));

const READY = /Ready on (https?:\/\/\S+)/;
const plain = (line) => line.replace(/\x1b\[[0-9;]*m/g, '');
let seeding = false;
let pending = '';
child.stdout.on('data', (chunk) => {
  pending += chunk.toString();
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const ready = READY.exec(plain(line));
    if (!ready) {
      process.stdout.write(`${line}\n`);
      continue;
    }
    if (seeding) continue;
    seeding = true;
    const base = ready[1].replace(/\/$/, '');
    console.log(`[dev] wrangler is up on ${base}; making sure the sample image is there ...`);
    seedSample(base)
      .then((sampleUrl) => console.log(`[dev] ${sampleUrl} answers 200\nReady on ${base}`))
      .catch((err) => console.error(`[dev] NOT ready: could not seed the sample image: ${err.message}`));
  }
});

/**
 * Uploads dev/sample.jpg as `sample` in the first configured cloud, unless it
 * is there already; resolves with the README's URL of it once that answers 200.
 */
async function seedSample(base) {
  const vars = Object.fromEntries(
    readFileSync(devVars, 'utf8')
      .split('\n')
      .map((l) => /^\s*([A-Z_]+)\s*=\s*(.*?)\s*$/.exec(l))
      .filter(Boolean)
      .map((m) => [m[1], m[2].replace(/^["']|["']$/g, '')]),
  );
  const m = /^cloudinary:\/\/([^:]+):([^@]+)@([^/?]+)/.exec(vars.CLOUDINARY_URL ?? '');
  if (!m) throw new Error('no CLOUDINARY_URL in .dev.vars');
  const [, apiKey, apiSecret, cloud] = m;
  const sampleUrl = `${base}/${cloud}/image/upload/sample.jpg`;
  const existing = await fetch(sampleUrl, { method: 'HEAD' });
  if (existing.ok) return sampleUrl;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHash('sha1').update(`public_id=sample&timestamp=${timestamp}${apiSecret}`).digest('hex');
  const form = new FormData();
  form.set('public_id', 'sample');
  form.set('timestamp', timestamp);
  form.set('api_key', apiKey);
  form.set('signature', signature);
  form.set('file', new Blob([readFileSync(join(root, 'dev', 'sample.jpg'))], { type: 'image/jpeg' }), 'sample.jpg');
  const res = await fetch(`${base}/v1_1/${cloud}/image/upload`, { method: 'POST', body: form });
  if (!res.ok) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  const check = await fetch(sampleUrl);
  await check.arrayBuffer();
  if (!check.ok) throw new Error(`${sampleUrl} answered ${check.status} after the upload`);
  console.log(`[dev] seeded ${sampleUrl}`);
  return sampleUrl;
}
