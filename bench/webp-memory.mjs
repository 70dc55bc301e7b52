#!/usr/bin/env node
// `node bench/webp-memory.mjs [sizes...]`: libwebp's real working memory in the codec module (codecs.wasm), for the
// two ways the engine writes lossy WebP from a large source: the strip sink (wasm/shim/webp_rows_encode.c, RGBA
// strips of 16 rows, opaque / with an alpha plane that is all 255 / with real transparency) and the C transcode
// (wasm/shim/transcode.c, a JPEG file decoded in strips), at qualities 50-100 and 2-24 MP of the 24 MP photo
// (docs/engine.md "WebP output memory"). Each cell runs on a fresh instance (a WASM memory never shrinks, so its
// size after the call is the high-water mark); the figures beside it are the module's memory after each phase, and
// the CPU time of the call. CODECS_WASM=<file> measures another build of the module.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const module = new WebAssembly.Module(readFileSync(process.env.CODECS_WASM ?? join(root, 'src/engine/codecs/wasm/codecs.wasm')));
const SIZES = { 2: [1732, 1155], 6: [3000, 2000], 12: [4240, 2832], 24: [6000, 4000] };
const QUALITIES = [50, 75, 80, 90, 100];
const MB = 1024 * 1024;

function instance() {
  const wasi = {};
  for (const i of WebAssembly.Module.imports(module)) if (i.module === 'wasi_snapshot_preview1') wasi[i.name] = () => 8;
  return new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi }).exports;
}

/** The strip sink: begin (the picture), 16-row strips copied in, end (the encode). */
function stripSink(rgba, width, height, quality, alpha) {
  const x = instance();
  const base = x.memory.buffer.byteLength;
  x.webp_rows_begin(width, height, quality, alpha ? 1 : 0);
  const picture = x.memory.buffer.byteLength;
  const rows = 16;
  const ptr = x.alloc(width * 4 * rows);
  for (let y = 0; y < height; y += rows) {
    const n = Math.min(rows, height - y);
    new Uint8Array(x.memory.buffer, ptr, width * 4 * n).set(rgba.subarray(y * width * 4, (y + n) * width * 4));
    x.webp_rows_write(ptr, n, width * 4);
  }
  x.release(ptr);
  const filled = x.memory.buffer.byteLength;
  const res = x.webp_rows_end();
  const [, len] = new Int32Array(x.memory.buffer, res, 2);
  return { base, picture, filled, peak: x.memory.buffer.byteLength, out: len };
}

function transcode(jpeg, quality) {
  const x = instance();
  const base = x.memory.buffer.byteLength;
  const ptr = x.alloc(jpeg.length + 1);
  new Uint8Array(x.memory.buffer, ptr, jpeg.length).set(jpeg);
  const picture = x.memory.buffer.byteLength;
  const res = x.jpeg_transcode(ptr, jpeg.length, 1, 1, quality, 0, 0, 256 * MB, 1);
  const [, len] = new Int32Array(x.memory.buffer, res, 4);
  return { base, picture, filled: picture, peak: x.memory.buffer.byteLength, out: len, input: jpeg.length };
}

const photo = readFileSync(join(root, 'test/fixtures/photo-24mp.jpg'));
const sizes = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SIZES);
const f = (b) => (b / MB).toFixed(1);
console.log(`Node ${process.version}; MB = MiB; px = width x height; peak is the module's linear memory after the call.\n`);
console.log('| MP | size | q | path | peak MB | peak B/px | after picture MB | output KB | output B/px | CPU ms |');
console.log('| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const mp of sizes) {
  const [w, h] = SIZES[mp];
  const px = w * h;
  const rgba = new Uint8Array(await sharp(photo).resize(w, h, { fit: 'cover' }).ensureAlpha().raw().toBuffer());
  // Real transparency: an ellipse opaque inside, clear outside, a soft edge between.
  const holed = rgba.slice();
  for (let y = 0; y < h; y++)
    for (let i = 0; i < w; i++) {
      const d = ((i - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2;
      holed[(y * w + i) * 4 + 3] = d < 0.8 ? 255 : d > 1 ? 0 : Math.round(((1 - d) / 0.2) * 255);
    }
  const jpeg = new Uint8Array(await sharp(photo).resize(w, h, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer());
  for (const q of QUALITIES) {
    const cells = {
      'strips, opaque': () => stripSink(rgba, w, h, q, false),
      'strips, alpha plane all 255': () => stripSink(rgba, w, h, q, true),
      'strips, transparent ellipse': () => stripSink(holed, w, h, q, true),
      [`transcode (JPEG ${(jpeg.length / MB).toFixed(1)} MB)`]: () => transcode(jpeg, q),
    };
    for (const [name, run] of Object.entries(cells)) {
      const cpu = process.cpuUsage();
      const r = run();
      const used = process.cpuUsage(cpu);
      const ms = (used.user + used.system) / 1000;
      console.log(
        `| ${mp} | ${w}x${h} | ${q} | ${name} | ${f(r.peak)} | ${(r.peak / px).toFixed(2)} | ${f(r.picture)} | ${(r.out / 1024).toFixed(0)} | ${(r.out / px).toFixed(3)} | ${ms.toFixed(0)} |`,
      );
    }
  }
}
