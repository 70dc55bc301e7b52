// What bench/faces.mjs runs: the detector and its model as the worker bundles them.
import weightsFile from '../../src/engine/faces/model/tiny_face_detector_model.bin';

export { detectFaces, detectorSize, DETECTION_BYTES } from '../../src/engine/faces/detect';
export { faceModel, faceModelBytes } from '../../src/engine/faces/model';
export const modelFileBytes = weightsFile.byteLength;
