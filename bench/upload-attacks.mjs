#!/usr/bin/env node
// `node bench/upload-attacks.mjs`: the memory an anonymous client can make one
// worker hold before any credential is checked. Starts the real worker, sends
// each attack shape to the Upload API without a signature or preset, and
// reports the workerd process's resident memory before and at its peak while
// the request runs (sampled every 20 ms from /proc), plus the answer.
// Shapes: a 95 MB urlencoded data URI, a 95 MB JSON data URI, 300 text fields
// of 1 MiB in a multipart body (with and without Content-Length), the two
// data URIs after a preset that does not exist, 20 MB of
// base64 whitespace in a urlencoded data URI, and a 30 MB unsigned file part.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unstable_startWorker } from 'wrangler';

process.env.WRANGLER_SEND_METRICS = 'false';
const CLOUD = { cloud_name: 'bench', api_key: '444444444444444', api_secret: 'bench-secret' };
const MB = 1024 * 1024;

/** A fresh worker per shape: freed memory is not returned to the system, so each figure starts from a clean process. */
async function startWorker() {
  const persist = mkdtempSync(join(tmpdir(), 'cld-bench-attacks-'));
  const worker = await unstable_startWorker({
    config: 'wrangler.toml',
    bindings: { CLOUDINARY_URL: { type: 'plain_text', value: `cloudinary://${CLOUD.api_key}:${CLOUD.api_secret}@${CLOUD.cloud_name}` } },
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist, logLevel: 'error', watch: false },
  });
  const base = (await worker.url).origin;
  return {
    uploadUrl: `${base}/v1_1/${CLOUD.cloud_name}/image/upload`,
    async dispose() {
      await worker.dispose();
      rmSync(persist, { recursive: true, force: true });
    },
  };
}

/** The workerd processes started under this one. */
function workerdPids() {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  const children = new Map();
  for (const [pid, ppid] of rows) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const mine = new Set();
  const walk = (p) => {
    for (const c of children.get(p) ?? []) {
      if (mine.has(c)) continue;
      mine.add(c);
      walk(c);
    }
  };
  walk(String(process.pid));
  return rows.filter(([pid, , comm]) => mine.has(pid) && /workerd/.test(comm)).map(([pid]) => pid);
}

const rssMb = () =>
  workerdPids().reduce((sum, pid) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return sum + (m ? Number(m[1]) / 1024 : 0);
    } catch {
      return sum;
    }
  }, 0);

const chunked = (bytes) =>
  new ReadableStream({
    start(c) {
      for (let o = 0; o < bytes.length; o += MB) c.enqueue(bytes.subarray(o, o + MB));
      c.close();
    },
  });

async function measure(name, init) {
  const { uploadUrl, dispose } = await startWorker();
  // Warm up: the first request loads the bundle and creates the schema.
  await (await fetch(uploadUrl, { method: 'POST', headers: formType, body: 'public_id=x' })).text();
  await new Promise((r) => setTimeout(r, 1000));
  const before = rssMb();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb())), 20);
  const t0 = Date.now();
  let outcome;
  try {
    const res = await fetch(uploadUrl, { method: 'POST', ...init });
    const text = await res.text();
    outcome = `${res.status} ${text.slice(0, 110)}`;
  } catch (err) {
    outcome = `error ${err.cause?.code ?? err.message}`;
  }
  clearInterval(timer);
  peak = Math.max(peak, rssMb());
  await dispose();
  console.log(
    `${name.padEnd(44)} rss ${before.toFixed(0).padStart(5)} MB -> peak ${peak.toFixed(0).padStart(5)} MB (+${(peak - before).toFixed(0)} MB) ${Date.now() - t0} ms  ${outcome}`,
  );
}

const b64 = Buffer.alloc(95 * MB, 'A').toString('latin1');
const form = new TextEncoder().encode(`file=data:image/png;base64,${b64}`);
const json = new TextEncoder().encode(JSON.stringify({ file: `data:image/png;base64,${b64}` }));
const presetForm = new TextEncoder().encode(`upload_preset=nope&file=data:image/png;base64,${b64}`);
const presetJson = new TextEncoder().encode(JSON.stringify({ upload_preset: 'nope', file: `data:image/png;base64,${b64}` }));
const boundary = 'attackboundary';
const fieldsBody = () => {
  const field = 'x'.repeat(MB - 100);
  let s = '';
  for (let i = 0; i < 300; i++) s += `--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n${field}\r\n`;
  return new TextEncoder().encode(s + `--${boundary}--\r\n`);
};
const multipartFields = fieldsBody();
const spaces = new TextEncoder().encode(`file=data:image/png;base64,${' '.repeat(20 * MB)}`);
const fileBody = (() => {
  const head = new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n`);
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  const out = new Uint8Array(head.length + 30 * MB + tail.length);
  out.set(head);
  out.set(tail, head.length + 30 * MB);
  return out;
})();
const formType = { 'Content-Type': 'application/x-www-form-urlencoded' };
const multipartType = { 'Content-Type': `multipart/form-data; boundary=${boundary}` };

{
  await measure('95 MB urlencoded data URI', { headers: formType, body: form });
  await measure('95 MB urlencoded data URI, no length', { headers: formType, body: chunked(form), duplex: 'half' });
  await measure('95 MB JSON data URI', { headers: { 'Content-Type': 'application/json' }, body: json });
  await measure('95 MB urlencoded data URI after a bad preset', { headers: formType, body: presetForm });
  await measure('95 MB JSON data URI after a bad preset', { headers: { 'Content-Type': 'application/json' }, body: presetJson });
  await measure('300 x 1 MiB multipart fields', { headers: multipartType, body: multipartFields });
  await measure('300 x 1 MiB multipart fields, no length', { headers: multipartType, body: chunked(multipartFields), duplex: 'half' });
  await measure('20 MB whitespace data URI, no length', { headers: formType, body: chunked(spaces), duplex: 'half' });
  await measure('30 MB unsigned file part, no length', { headers: multipartType, body: chunked(fileBody), duplex: 'half' });
}
