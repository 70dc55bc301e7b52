import wasm from './wasm/codecs.wasm';

/** Under wrangler and vitest-pool-workers (and the benchmark's bundle) a `.wasm` import is the compiled module. */
export const workerdCodecModule = (): WebAssembly.Module => wasm;
