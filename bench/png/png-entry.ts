// What bench/png-decode.mjs needs, bundled for Node (PNG_ROWS_MODULE may point it at another png-rows.ts).
export { decodePngReduced } from '../../src/engine/codecs/png-rows';
