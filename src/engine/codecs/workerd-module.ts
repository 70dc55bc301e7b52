import wasm from './wasm/codecs.wasm';
import heif from './wasm/heif.wasm';

/** Under wrangler and vitest-pool-workers (and the benchmark's bundle) a `.wasm` import is the compiled module. */
export const workerdCodecModule = (): WebAssembly.Module => wasm;
/** libde265 and our HEVC-to-RGBA shim (./wasm/heif.wasm, built by scripts/build-heif-wasm.sh). */
export const workerdHeifModule = (): WebAssembly.Module => heif;
