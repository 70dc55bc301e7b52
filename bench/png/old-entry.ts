export { decodePngReduced } from '../../src/engine/codecs/png-rows-old';
