#!/usr/bin/env node
// `npm run dev [-- <wrangler dev args>]`: wrangler dev with the local dev
// configuration, then makes sure the `demo` cloud has its `sample` photo.
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

let seeded = false;
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const ready = /Ready on (https?:\/\/\S+)/.exec(chunk.toString());
  if (ready && !seeded) {
    seeded = true;
    seedSample(ready[1].replace(/\/$/, '')).catch((err) => console.error('[dev] could not seed the sample image:', err.message));
  }
});

/** Uploads dev/sample.jpg as `sample` in the first configured cloud, unless it is there already. */
async function seedSample(base) {
  const vars = Object.fromEntries(
    readFileSync(devVars, 'utf8')
      .split('\n')
      .map((l) => /^\s*([A-Z_]+)\s*=\s*(.*?)\s*$/.exec(l))
      .filter(Boolean)
      .map((m) => [m[1], m[2].replace(/^["']|["']$/g, '')]),
  );
  const m = /^cloudinary:\/\/([^:]+):([^@]+)@([^/?]+)/.exec(vars.CLOUDINARY_URL ?? '');
  if (!m) return console.warn('[dev] no CLOUDINARY_URL in .dev.vars: not seeding the sample image');
  const [, apiKey, apiSecret, cloud] = m;
  const existing = await fetch(`${base}/${cloud}/image/upload/sample.jpg`, { method: 'HEAD' });
  if (existing.ok) return;
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
  console.log(`[dev] seeded ${base}/${cloud}/image/upload/sample.jpg`);
}
