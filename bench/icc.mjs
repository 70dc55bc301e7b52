// Colour management of PNG and WebP sources (issue 17): how fast the codec module converts decoded
// RGBA rows from an embedded profile to sRGB (Little CMS, src/engine/codecs/icc-rows.ts), and what
// a `c_scale,w_300` delivery of an Adobe RGB / Display P3 PNG or WebP costs against the same file
// without its profile, with the difference to libvips's colour-managed rendering (sharp). Markdown.
//
//   node bench/icc.mjs              (BENCH_RUNS=5 by default; the median is printed)
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importBundled } from './support/bundle.mjs';

sharp.concurrency(1);
sharp.cache(false);

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const codecs = await importBundled(here('./support/codecs-entry.ts'));
const rows = await importBundled(here('../src/engine/codecs/icc-rows.ts'));
const profiles = await importBundled(here('../src/engine/codecs/icc-profile.ts'));
const m = await importBundled(here('./transform/engine-entry.ts'));
const module = await codecs.codecModule();
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const fixture = (f) => new Uint8Array(readFileSync(here(`../test/fixtures/${f}`)));

async function timed(run) {
  const times = [];
  let last;
  for (let i = 0; i <= RUNS; i++) {
    const t = performance.now();
    last = await run();
    if (i > 0) times.push(performance.now() - t); // the first run warms up
  }
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1], last };
}

function mad(a, b) {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) for (let c = 0; c < 3; c++, n++) s += Math.abs(a[i + c] - b[i + c]);
  return s / n;
}

// 1. The conversion alone: a 4 MP RGBA image (the fixture's rows repeated) in 1 MB strips.
console.log(`\nConverting decoded RGBA to sRGB in the codec module (${RUNS} timed runs, median):\n`);
console.log('| profile | pixels | ms | ns per pixel | module memory MB |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, file, table] of [
  ['Adobe RGB (1998), matrix-shaper', 'adobergb-icc.png'],
  ['Display P3, matrix-shaper', 'p3-alpha.png'],
  ['Adobe RGB as a 17-point table (adobergb-lut.icc)', 'adobergb-icc.png', 'adobergb-lut.icc'],
]) {
  const icc = table ? fixture(table) : (await profiles.readEmbeddedProfile(fixture(file), 'png')).icc;
  const { data, info } = await sharp(fixture(file)).keepIccProfile().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const width = info.width;
  const height = Math.ceil(4e6 / width);
  const big = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    big.set(data.subarray((y % info.height) * width * 4, ((y % info.height) + 1) * width * 4), y * width * 4);
  const session = new codecs.CodecSession(module);
  const r = await timed(() => rows.rgbaToSrgb(session, { data: big.slice(), width, height }, icc));
  const px = width * height;
  console.log(
    `| ${name} | ${px} | ${r.ms.toFixed(1)} | ${((r.ms * 1e6) / px).toFixed(1)} | ${(session.peakMemoryBytes / 2 ** 20).toFixed(1)} |`,
  );
}

// 2. Through the engine: c_scale,w_300 to PNG, with and without the profile.
const withoutIccp = (png) => {
  const parts = [png.subarray(0, 8)];
  for (let o = 8; o + 12 <= png.length;) {
    const len = ((png[o] << 24) >>> 0) + (png[o + 1] << 16) + (png[o + 2] << 8) + png[o + 3];
    if (String.fromCharCode(...png.subarray(o + 4, o + 8)) !== 'iCCP') parts.push(png.subarray(o, o + 12 + len));
    o += 12 + len;
  }
  return Buffer.concat(parts);
};
const withoutIccpWebp = async (webp) => new Uint8Array(await sharp(webp).webp({ lossless: false, quality: 90 }).toBuffer());
const rowsPng = new Uint8Array(
  await sharp(fixture('adobergb-icc.png')).resize(1440, 960, { kernel: 'nearest' }).keepIccProfile().png().toBuffer(),
);
const limits = { maxDecodePixels: 50e6, maxOutputPixels: 50e6 };
const plan = m.parseTransformation('c_scale,w_300');
console.log(`\nc_scale,w_300 to PNG through the engine (${RUNS} timed runs, median; work and peak from engineStats):\n`);
console.log(
  '| source | decoder | ms with profile | ms without | work ops with / without | peak MB with / without | mean abs. difference to sharp |',
);
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const [name, bytes, plain, decoder] of [
  ['adobergb-icc.png (360x240)', fixture('adobergb-icc.png'), withoutIccp(fixture('adobergb-icc.png')), 'photon'],
  ['p3-alpha.png (320x240, RGBA)', fixture('p3-alpha.png'), withoutIccp(fixture('p3-alpha.png')), 'photon'],
  ['adobergb-icc.png at 1440x960 (nearest)', rowsPng, withoutIccp(rowsPng), 'PNG rows at 1/4'],
  ['adobergb-icc.webp (600x400)', fixture('adobergb-icc.webp'), null, 'libwebp'],
  ['p3-alpha.webp (600x450)', fixture('p3-alpha.webp'), null, 'libwebp'],
]) {
  // A WebP without its profile: the same file with the ICCP chunk dropped by rewriting (sharp strips metadata by default).
  const stripped = plain ?? (await withoutIccpWebp(bytes));
  const run = (b) => async () => {
    const out = await m.transformImage(b, plan, { limits, extension: 'png' });
    return { out, ops: m.engineStats.lastWorkOps, peak: m.engineStats.lastPeakBytes, profile: m.engineStats.lastSourceProfile };
  };
  const a = await timed(run(bytes));
  const b = await timed(run(stripped));
  const ours = await sharp(a.last.out.bytes).ensureAlpha().raw().toBuffer();
  const ref = await sharp(bytes).toColourspace('srgb').resize(300).ensureAlpha().raw().toBuffer();
  console.log(
    `| ${name} | ${decoder} (${a.last.profile}) | ${a.ms.toFixed(1)} | ${b.ms.toFixed(1)} | ${a.last.ops} / ${b.last.ops} | ${(a.last.peak / 2 ** 20).toFixed(1)} / ${(b.last.peak / 2 ** 20).toFixed(1)} | ${mad(ours, ref).toFixed(2)} |`,
  );
}
