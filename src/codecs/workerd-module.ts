import wasm from './wasm/codecs.wasm';
import type { CodecModuleSource } from './runtime';

/** Under wrangler and vitest-pool-workers a `.wasm` import is the compiled module. */
export const workerdCodecModule: CodecModuleSource = () => wasm;
