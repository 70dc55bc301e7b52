import weightsFile from './model/tiny_face_detector_model.bin';
import manifest from './model/tiny_face_detector_model.json';
import { loadWeights, type TinyFaceWeights } from './network';

/** Dequantised once per isolate (0.74 MiB of floats) and kept: every detection reads the same weights. */
let weights: TinyFaceWeights | undefined;

export const faceModel = (): TinyFaceWeights => (weights ??= loadWeights(manifest, new Uint8Array(weightsFile)));

/** What the loaded weights hold (standing memory of the isolate's engine pool). */
export const faceModelBytes = () =>
  weights
    ? [weights.conv0, weights.conv8, ...weights.separable].reduce((n, l) => n + Object.values(l).reduce((m, a) => m + a.byteLength, 0), 0)
    : 0;
