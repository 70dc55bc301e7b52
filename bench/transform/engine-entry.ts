/** What the benchmark drives: the same engine the worker runs, bundled for Node. */
export { transformImage } from '../../src/engine/engine';
export { parseTransformation } from '../../src/engine/parse';
export { inspectSource } from '../../src/engine/inspect';
export { photonMemoryBytes } from '../../src/engine/codecs/photon';
export { renderTextLayer, styleOfFont } from '../../src/engine/text-layer';
export { engineStats } from '../../src/engine/engine';
