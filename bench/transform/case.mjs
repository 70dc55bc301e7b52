// One benchmark case in a fresh process, so peak memory belongs to this case alone.
// argv: <engine: ours|sharp> <bundle path> <photo path> <case name> <runs>
import { readFileSync } from 'node:fs';
import { CASES, LOGO } from './cases.mjs';

const [engine, bundle, photoPath, caseName, runsArg] = process.argv.slice(2);
const runs = Number(runsArg);
const c = CASES.find((x) => x.name === caseName);
const input = new Uint8Array(readFileSync(photoPath));
const logo = new Uint8Array(readFileSync(new URL(`../../test/fixtures/${LOGO}`, import.meta.url)));

// Every WASM memory created from here on, held weakly: a memory never shrinks, so the sizes of
// the memories still alive at the end of a run (collected at the start of each run) are that run's peak.
const memories = new Set();
const OrigInstance = WebAssembly.Instance;
WebAssembly.Instance = function (module, imports) {
  const inst = new OrigInstance(module, imports);
  const found = [...Object.values(inst.exports), ...Object.values(imports ?? {}).flatMap((ns) => Object.values(ns))];
  for (const v of found) if (v instanceof WebAssembly.Memory) memories.add(new WeakRef(v));
  return inst;
};
// Glue code (resvg's) tells an Instance from a {module, instance} pair with instanceof.
WebAssembly.Instance.prototype = OrigInstance.prototype;
const liveWasmBytes = () => [...memories].reduce((n, r) => n + (r.deref()?.buffer.byteLength ?? 0), 0);

let run;
if (engine === 'ours') {
  const m = await import(bundle);
  const limits = { maxDecodePixels: 7_000_000, maxJpegDecodePixels: 12_000_000, maxOutputPixels: 25_000_000 };
  // What the worker's layer-sources.ts does, without R2: `l_logo` is the logo fixture; text goes through the same renderer.
  const sources = {
    asset: async () => logo,
    fetch: async () => {
      throw new Error('no remote layers in the benchmark');
    },
    text: (layer, options) => m.renderTextLayer(layer.text, m.styleOfFont(layer.font, options.color), options, limits.maxOutputPixels),
  };
  run = async () => {
    const plan = m.parseTransformation(c.transformation);
    const out = await m.transformImage(input, plan, { limits, extension: c.format, sources });
    return out.bytes.length;
  };
} else {
  const { default: sharp } = await import('sharp');
  sharp.concurrency(1);
  sharp.cache(false);
  run = async () => (await (await c.sharp(sharp(input), sharp, logo)).toBuffer()).length;
}

const baseline = process.resourceUsage().maxRSS;
const times = [];
let bytes = 0;
let peakArrayBuffers = 0;
let peakWasm = 0;
for (let i = 0; i < runs + 1; i++) {
  // A fresh task first: WeakRefs read in this task keep their targets alive until it ends.
  await new Promise((r) => setTimeout(r, 0));
  globalThis.gc();
  const t = performance.now();
  try {
    bytes = await run();
  } catch (err) {
    // The engine's 400s (the budgets) are results to show, not crashes: with what they cost.
    if (err?.name !== 'CldError') throw err;
    process.stdout.write(
      JSON.stringify({
        refused: err.message,
        ms: performance.now() - t,
        peakRssDeltaKB: process.resourceUsage().maxRSS - baseline,
        wasmBytes: liveWasmBytes(),
      }),
    );
    process.exit(0);
  }
  // The first run loads and compiles the codecs: a warm-up, not timed.
  if (i > 0) times.push(performance.now() - t);
  peakArrayBuffers = Math.max(peakArrayBuffers, process.memoryUsage().arrayBuffers);
  peakWasm = Math.max(peakWasm, liveWasmBytes());
}
times.sort((a, b) => a - b);
process.stdout.write(
  JSON.stringify({
    medianMs: times[Math.floor(times.length / 2)],
    bytes,
    peakRssDeltaKB: process.resourceUsage().maxRSS - baseline,
    wasmBytes: peakWasm,
    arrayBuffers: peakArrayBuffers,
  }),
);
