#!/usr/bin/env node
// `npm run bench`: the transformation engine beside sharp (libvips, native) on the same work.
// Each cell runs in a fresh Node process (so its peak memory is its own), repeats the work
// RUNS times after one warm-up run, and reports the median time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { CASES, FILES, PHOTOS } from './transform/cases.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** `.wasm` imports become compiled modules, as wrangler makes them CompiledWasm modules in the worker; `.ttf` and `.bin` become ArrayBuffers. */
const wasmModules = {
  name: 'wasm-modules',
  setup(b) {
    b.onLoad({ filter: /\.wasm$/ }, (args) => ({
      contents: `import { readFileSync } from 'node:fs'; export default new WebAssembly.Module(readFileSync(${JSON.stringify(args.path)}));`,
      loader: 'js',
    }));
    // Fonts and the face model are wrangler "Data" modules (ArrayBuffers); read from disk at run time like the WASM.
    b.onLoad({ filter: /\.(ttf|bin)$/ }, (args) => ({
      contents: `import { readFileSync } from 'node:fs'; const b = readFileSync(${JSON.stringify(args.path)}); export default b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);`,
      loader: 'js',
    }));
  },
};

const out = mkdtempSync(join(tmpdir(), 'cld-bench-'));
const bundle = join(out, 'engine.mjs');
await build({
  entryPoints: [join(here, 'transform', 'engine-entry.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: bundle,
  conditions: ['workerd'],
  plugins: [wasmModules],
  logLevel: 'warning',
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});

function cell(engine, photo, name) {
  const stdout = execFileSync(
    process.execPath,
    ['--expose-gc', join(here, 'transform', 'case.mjs'), engine, pathToFileURL(bundle).href, photo, name, String(RUNS)],
    {
      cwd: root,
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.toString());
}

const mb = (b) => (b / 1048576).toFixed(1);
const rows = [];
for (const file of FILES) {
  const path = join(root, 'test', 'fixtures', file);
  const bytes = new Uint8Array(readFileSync(path));
  const { default: sharp } = await import('sharp');
  const meta = await sharp(bytes)
    .metadata()
    .catch(() => ({ width: 0, height: 0 }));
  const mp = ((meta.width * meta.height) / 1e6).toFixed(1);
  for (const c of CASES) {
    if (!(c.photos ?? PHOTOS).includes(file)) continue;
    // BENCH_CASES=<text>[,<text>...]: only the cases whose name contains one of them (e.g. `overlay`).
    if (process.env.BENCH_CASES && !process.env.BENCH_CASES.split(',').some((t) => c.name.includes(t))) continue;
    const ours = cell('ours', path, c.name);
    const ref = c.sharp ? cell('sharp', c.sharpPhoto ? join(root, 'test', 'fixtures', c.sharpPhoto) : path, c.name) : undefined;
    const oursCells = ours.refused
      ? [`400 in ${ours.ms.toFixed(0)} ms: ${ours.refused.replace(/\|/g, '/')}`, '', mb(ours.peakRssDeltaKB * 1024), mb(ours.wasmBytes)]
      : [ours.medianMs.toFixed(0), String(ours.bytes), mb(ours.peakRssDeltaKB * 1024), mb(ours.wasmBytes)];
    const refCells = ref ? [ref.medianMs.toFixed(0), String(ref.bytes), mb(ref.peakRssDeltaKB * 1024)] : ['not run', '', ''];
    rows.push([`${file} (${mp} MP)`, c.name, ...oursCells, ...refCells]);
    process.stderr.write('.');
  }
}
process.stderr.write('\n');
rmSync(out, { recursive: true, force: true });

const header = [
  'photo',
  'work',
  'ours ms (median)',
  'ours bytes',
  'ours peak MB (RSS high-water delta)',
  'ours WASM linear memory MB',
  'sharp ms (median)',
  'sharp bytes',
  'sharp peak MB (RSS delta)',
];
console.log(
  `Node ${process.version}, ${RUNS} timed runs per cell after one warm-up, one process per cell, sharp.concurrency(1), sharp.cache(false).\n`,
);
console.log(`| ${header.join(' | ')} |`);
console.log(`| ${header.map(() => '---').join(' | ')} |`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
