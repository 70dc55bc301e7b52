/** What the benchmark drives: the same engine the worker runs, bundled for Node. */
export { transformImage } from '../../src/transform/engine';
export { parseTransformation } from '../../src/transform/parse';
export { inspectSource } from '../../src/transform/inspect';
export { photonMemoryBytes } from '../../src/transform/codecs/photon';
