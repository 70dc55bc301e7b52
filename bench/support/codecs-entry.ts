// What the benchmark needs from src/codecs, bundled for Node by bundle.mjs.
export { CodecSession, CodecError } from '../../src/codecs/runtime';
export { workerdCodecModule as codecModule } from '../../src/codecs/workerd-module';
export { decodeJpeg, jpegInfo, chooseShrink } from '../../src/codecs/jpeg/decode';
export { encodeJpeg } from '../../src/codecs/jpeg/encode';
export { encodeWebp } from '../../src/codecs/webp/encode';
export { resize } from '../../src/codecs/resize';
