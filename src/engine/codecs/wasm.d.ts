/** `.wasm` files are imported as compiled modules: wrangler bundles them as CompiledWasm, the bench's loader compiles them in Node. */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
