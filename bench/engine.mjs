// Engine benchmark: our WASM codec pipeline (libjpeg-turbo shrink-on-load,
// Lanczos-3 SIMD resampler, libjpeg-turbo / libwebp encoders) against sharp
// (libvips) on the same photos, one thread each. Prints a Markdown table.
//
//   npm run bench:engine            all sizes
//   BENCH_RUNS=3 npm run bench:engine
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importBundled } from './support/bundle.mjs';

sharp.concurrency(1);
sharp.cache(false);

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const c = await importBundled(here('./support/codecs-entry.ts'));
const module = await c.codecModule();

// BENCH_EXTRA_ONLY=1: only the second table (colour management, EXIF-turned and progressive sources).
const FIXTURES = process.env.BENCH_EXTRA_ONLY ? [] : ['photo-1mp.jpg', 'photo-3mp-exif.jpg', 'photo-12mp.jpg', 'photo-24mp.jpg'];
const QUALITY = 80;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** c_fill: scale to cover, centre crop. c_scale: width given, height follows (Cloudinary enlarges too). */
const SCENARIOS = [
  { name: 'c_fill,w_400,h_300', fill: true, w: 400, h: 300 },
  { name: 'c_scale,w_1600', fill: false, w: 1600 },
];

/** The region of the source the output needs and the output size. */
function geometry(sw, sh, s) {
  if (!s.fill) {
    return { region: { x: 0, y: 0, width: sw, height: sh }, width: s.w, height: Math.max(1, Math.round((sh * s.w) / sw)) };
  }
  const scale = Math.max(s.w / sw, s.h / sh);
  const rw = Math.min(sw, Math.round(s.w / scale));
  const rh = Math.min(sh, Math.round(s.h / scale));
  return { region: { x: (sw - rw) >> 1, y: (sh - rh) >> 1, width: rw, height: rh }, width: s.w, height: s.h };
}

/**
 * One request's work in `session`. The engine reuses small sessions (see
 * src/engine/codecs/pipeline.ts), so timed runs share one; the peak is measured on a
 * fresh one.
 */
function ours(bytes, s, format, session = new c.CodecSession(module)) {
  const info = c.jpegInfo(session, bytes);
  const g = geometry(info.width, info.height, s);
  const shrink = c.chooseShrink(
    info.width,
    info.height,
    Math.ceil((g.width * info.width) / g.region.width),
    Math.ceil((g.height * info.height) / g.region.height),
  );
  const decoded = c.decodeJpeg(session, bytes, { shrink, channels: 3, maxPixels: 50e6, maxWorkingBytes: 256 << 20 });
  const k = decoded.width / info.width;
  const region = {
    x: Math.floor(g.region.x * k),
    y: Math.floor(g.region.y * k),
    width: Math.min(decoded.width - Math.floor(g.region.x * k), Math.round(g.region.width * k)),
    height: Math.min(decoded.height - Math.floor(g.region.y * k), Math.round(g.region.height * k)),
  };
  const out = c.resize(session, decoded, g.width, g.height, region);
  session.free(decoded);
  const encoded =
    format === 'jpeg' ? c.encodeJpeg(session, out, { quality: QUALITY, progressive: false }) : c.encodeWebp(session, out, QUALITY);
  if (format === 'jpeg') session.free(out);
  // Linear memory high-water mark + the JS buffers alive at the peak (input bytes; the output copy is small).
  const peak = session.peakMemoryBytes + bytes.length + encoded.length;
  return { bytes: encoded, peak, shrink };
}

async function viaSharp(bytes, s, format) {
  const img = sharp(bytes).resize(s.w, s.fill ? s.h : undefined, { fit: s.fill ? 'cover' : 'inside', kernel: 'lanczos3' });
  return format === 'jpeg' ? img.jpeg({ quality: QUALITY }).toBuffer() : img.webp({ quality: QUALITY }).toBuffer();
}

async function timed(run) {
  await run(); // warm-up (JIT tiers, sharp's first load)
  const times = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    last = await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  // The machine is shared: the median shows typical load, the minimum the work itself.
  return { ms: times[times.length >> 1], min: times[0], last };
}

const mb = (n) => (n / 1048576).toFixed(1);
console.log(
  `Node ${process.version}, ${RUNS} timed runs per cell after one warm-up, quality ${QUALITY}, sharp.concurrency(1), sharp.cache(false).\n`,
);
console.log(
  `| photo | transformation | format | ours ms (median / min) | sharp ms (median / min) | time ratio (median / min) | ours bytes | sharp bytes | size ratio | shrink | ours peak MB |`,
);
console.log(`|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|`);
for (const f of FIXTURES) {
  const bytes = new Uint8Array(readFileSync(here(`../test/fixtures/${f}`)));
  for (const s of SCENARIOS) {
    for (const format of ['jpeg', 'webp']) {
      const shared = new c.CodecSession(module);
      const a = await timed(async () => ours(bytes, s, format, shared));
      const fresh = ours(bytes, s, format);
      const b = await timed(() => viaSharp(bytes, s, format));
      const row = {
        photo: f,
        transformation: s.name,
        format,
        oursMs: a.ms,
        sharpMs: b.ms,
        ratio: a.ms / b.ms,
        minRatio: a.min / b.min,
        oursBytes: a.last.bytes.length,
        sharpBytes: b.last.length,
        sizeRatio: a.last.bytes.length / b.last.length,
        shrink: fresh.shrink,
        peak: fresh.peak,
      };
      console.log(
        `| ${f} | ${s.name} | ${format} | ${row.oursMs.toFixed(0)} / ${a.min.toFixed(0)} | ${row.sharpMs.toFixed(0)} / ${b.min.toFixed(0)} | ${row.ratio.toFixed(2)} / ${row.minRatio.toFixed(2)} | ${row.oursBytes} | ${row.sharpBytes} | ${row.sizeRatio.toFixed(2)} | 1/${row.shrink} | ${mb(row.peak)} |`,
      );
    }
  }
}

// Colour management, EXIF-turned and progressive sources (issue 17): the module's colour-managed
// decode against libvips' (mean absolute difference over RGB), a portrait made from the 12 MP photo
// (an EXIF block with Orientation 6 put in) delivered at full size, and a 24 MP progressive copy of
// the 24 MP photo (written by the module) made into a thumbnail.
const EXTRA_RUNS = Math.min(RUNS, 3);
const timedN = async (run) => {
  await run();
  const times = [];
  let last;
  for (let i = 0; i < EXTRA_RUNS; i++) {
    const t0 = performance.now();
    last = await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1], last };
};
const mad = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
};
function withOrientation(jpeg, o) {
  const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0, 0, 0, 0, 0];
  const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const app1 = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  const out = new Uint8Array(jpeg.length + app1.length);
  out.set(jpeg.subarray(0, 2));
  out.set(app1, 2);
  out.set(jpeg.subarray(2), 2 + app1.length);
  return out;
}
const fixtureOf = (f) => new Uint8Array(readFileSync(here(`../test/fixtures/${f}`)));

console.log(`\nColour management, EXIF-turned and progressive sources (${EXTRA_RUNS} timed runs per cell):\n`);
console.log(
  '| source | work | ours ms (median) | sharp ms (median) | ours bytes | sharp bytes | mean abs. difference to sharp | ours peak MB (WASM + JS in/out) |',
);
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
const p3 = new Uint8Array(await sharp(fixtureOf('photo-1mp.jpg')).withIccProfile('p3').jpeg({ quality: 92 }).toBuffer());
for (const [name, bytes] of [
  ['cmyk.jpg (CMYK, no profile)', fixtureOf('cmyk.jpg')],
  ['adobergb-icc.jpg (Adobe RGB)', fixtureOf('adobergb-icc.jpg')],
  ['photo-1mp.jpg as Display P3', p3],
]) {
  const decodeOurs = () => {
    const s = new c.CodecSession(module);
    const p = c.decodeJpeg(s, bytes, { shrink: 1, channels: 3, maxPixels: 50e6, maxWorkingBytes: 64 << 20 });
    return { s, p, peak: s.peakMemoryBytes + bytes.length };
  };
  const a = await timedN(async () => decodeOurs());
  const { s: session, p: pixels } = a.last;
  a.last.rgb = session.toRgba(pixels).filter((_, i) => i % 4 !== 3);
  const b = await timedN(async () => new Uint8Array(await sharp(bytes).toColourspace('srgb').removeAlpha().raw().toBuffer()));
  console.log(
    `| ${name} | full-size decode to sRGB | ${a.ms.toFixed(0)} | ${b.ms.toFixed(0)} | | | ${mad(a.last.rgb, b.last).toFixed(2)} | ${mb(a.last.peak)} |`,
  );
}
const portrait = withOrientation(fixtureOf('photo-12mp.jpg'), 6);
for (const target of ['jpg', 'webp']) {
  const opts = { shrink: 1, target, quality: QUALITY, progressive: false, optimize: false, orientation: 6, coefficientBytes: 0 };
  const a = await timedN(async () => c.transcodeJpeg(portrait, opts));
  const b = await timedN(async () => {
    const img = sharp(portrait).rotate();
    return target === 'jpg' ? img.jpeg({ quality: QUALITY }).toBuffer() : img.webp({ quality: QUALITY }).toBuffer();
  });
  const peak = a.last.peakMemoryBytes + portrait.length + a.last.bytes.length;
  console.log(
    `| photo-12mp.jpg with EXIF orientation 6 (2592x4608) | full size ${target.toUpperCase()} q${QUALITY} | ${a.ms.toFixed(0)} | ${b.ms.toFixed(0)} | ${a.last.bytes.length} | ${b.last.length} | | ${mb(peak)} |`,
  );
}
const progressive = c.transcodeJpeg(fixtureOf('photo-24mp.jpg'), {
  shrink: 1,
  target: 'jpg',
  quality: QUALITY,
  progressive: true,
  optimize: true,
  orientation: 1,
  coefficientBytes: 0,
}).bytes;
{
  const s = { name: 'c_fill,w_400,h_300', fill: true, w: 400, h: 300 };
  const a = await timedN(async () => ours(progressive, s, 'jpeg'));
  const b = await timedN(() => viaSharp(progressive, s, 'jpeg'));
  console.log(
    `| photo-24mp.jpg as progressive (24.0 MP, 4:2:0) | c_fill,w_400,h_300 JPEG | ${a.ms.toFixed(0)} | ${b.ms.toFixed(0)} | ${a.last.bytes.length} | ${b.last.length} | | ${mb(a.last.peak)} |`,
  );
}
// 36 MP progressive (issue 17): sharp enlarges photo-24mp.jpg to 6928x5196 and writes it progressive, 4:2:0.
const progressive36 = new Uint8Array(
  await sharp(fixtureOf('photo-24mp.jpg')).resize(6928, 5196, { fit: 'fill' }).jpeg({ quality: QUALITY, progressive: true }).toBuffer(),
);
{
  const s = { name: 'c_fill,w_400,h_300', fill: true, w: 400, h: 300 };
  const a = await timedN(async () => ours(progressive36, s, 'jpeg'));
  const b = await timedN(() => viaSharp(progressive36, s, 'jpeg'));
  console.log(
    `| photo-24mp.jpg enlarged to 36 MP, progressive (6928x5196, 4:2:0) | c_fill,w_400,h_300 JPEG | ${a.ms.toFixed(0)} | ${b.ms.toFixed(0)} | ${a.last.bytes.length} | ${b.last.length} | | ${mb(a.last.peak)} |`,
  );
}
