// What bench/png-encode.mjs needs, bundled for Node (PNG_ENCODE_ENTRY may point it at another png-encode.ts).
export { encodePngRows } from '../../src/engine/codecs/png-encode';
