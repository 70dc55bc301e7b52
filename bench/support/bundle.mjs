// Bundles a TypeScript entry of src/ for Node with esbuild, so the benchmark
// runs the engine's own code. A `.wasm` import becomes the module compiled
// from disk, which is what wrangler gives the Worker at build time.
import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const wasmFromDisk = {
  name: 'wasm-from-disk',
  setup(b) {
    b.onLoad({ filter: /\.wasm$/ }, (args) => ({
      contents: `import { readFileSync } from 'node:fs';\nexport default new WebAssembly.Module(readFileSync(${JSON.stringify(args.path)}));`,
      loader: 'js',
    }));
    // Wrangler "Data" modules (fonts, the face model) are ArrayBuffers.
    b.onLoad({ filter: /\.(ttf|bin)$/ }, (args) => ({
      contents: `import { readFileSync } from 'node:fs';\nconst b = readFileSync(${JSON.stringify(args.path)});\nexport default b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);`,
      loader: 'js',
    }));
  },
};

export async function importBundled(entry) {
  const outfile = join(mkdtempSync(join(tmpdir(), 'bench-')), 'entry.mjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['workerd'],
    outfile,
    logLevel: 'error',
    plugins: [wasmFromDisk],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return import(pathToFileURL(outfile).href);
}
