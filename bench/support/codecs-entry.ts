// What the benchmark needs from src/codecs, bundled for Node by bundle.mjs.
export { CodecSession, CodecError } from '../../src/engine/codecs/runtime';
export { workerdCodecModule as codecModule } from '../../src/engine/codecs/workerd-module';
export { decodeJpeg, jpegInfo, chooseShrink } from '../../src/engine/codecs/jpeg/decode';
export { encodeJpeg } from '../../src/engine/codecs/jpeg/encode';
export { encodeWebp } from '../../src/engine/codecs/webp/encode';
export { resize } from '../../src/engine/codecs/resize';
export { transcodeJpeg } from '../../src/engine/codecs/pipeline';
