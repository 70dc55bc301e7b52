import type { Raster } from '../raster';
import { activationBytes, forward, type TinyFaceWeights } from './network';

/** A detected face in pixels of the image it was found in, with the detector's confidence (0-1). */
export interface DetectedFace {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

/**
 * The network's input, in pixels: as many as a 320x320 square, in a
 * rectangle of the image's shape (sides multiples of 32), so a wide group
 * photo keeps its resolution instead of shrinking into a square.
 */
const INPUT_PIXELS = 320 * 320;
const CELL = 32;
/** Below this confidence a box is not a face. */
const MIN_SCORE = 0.5;
/** Boxes overlapping a better one by more than this (intersection over union) are the same face. */
const SAME_FACE_IOU = 0.4;
/** The model's anchor boxes, in grid cells (face-api's tinyFaceDetector/const.ts). */
const ANCHORS: [number, number][] = [
  [1.603231, 2.094468],
  [6.041143, 7.080126],
  [2.882459, 3.518061],
  [4.266906, 5.178857],
  [9.041765, 10.66308],
];
/** The training set's mean colour, subtracted before scaling to 0-1 (MEAN_RGB of the model's code). */
const MEAN_RGB = [117.001, 114.697, 97.404];

/** Bytes detection holds at its peak beside the image it reads: the input tensor and two activations. */
export const DETECTION_BYTES = activationBytes(INPUT_PIXELS + 64 * CELL);
/** Multiply-adds of one detection (a work estimate for the budget; counted from the layer shapes). */
export const DETECTION_OPS = 120_000_000;

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** The network input's size for an image: its aspect ratio in about INPUT_PIXELS, each side a multiple of 32 (at least 64). */
export function detectorSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.sqrt(INPUT_PIXELS / (width * height));
  const side = (n: number) => Math.max(2 * CELL, Math.round((n * scale) / CELL) * CELL);
  let w = side(width);
  let h = side(height);
  // A very long image: the short side stays 64 and the long one is cut to the budget.
  if (w * h > INPUT_PIXELS + 64 * CELL) {
    if (w > h) w = Math.max(2 * CELL, Math.floor(INPUT_PIXELS / h / CELL) * CELL);
    else h = Math.max(2 * CELL, Math.floor(INPUT_PIXELS / w / CELL) * CELL);
  }
  return { width: w, height: h };
}

/**
 * The network input: the image fitted into the top-left of the input
 * rectangle by area averaging (the rest black, as the model's code pads it),
 * transparent pixels seen over white, less the mean colour, over 255.
 */
function networkInput(img: Raster, net: { width: number; height: number }): { input: Float32Array; scale: number } {
  const scale = Math.min(net.width / img.width, net.height / img.height);
  const w = Math.max(1, Math.min(net.width, Math.round(img.width * scale)));
  const h = Math.max(1, Math.min(net.height, Math.round(img.height * scale)));
  const input = new Float32Array(net.width * net.height * 3);
  for (let i = 0; i < net.width * net.height; i++) for (let c = 0; c < 3; c++) input[i * 3 + c] = -MEAN_RGB[c] / 255;
  const sx = img.width / w;
  const sy = img.height / h;
  for (let ty = 0; ty < h; ty++) {
    const y0 = Math.floor(ty * sy);
    const y1 = Math.max(y0 + 1, Math.min(img.height, Math.floor((ty + 1) * sy)));
    for (let tx = 0; tx < w; tx++) {
      const x0 = Math.floor(tx * sx);
      const x1 = Math.max(x0 + 1, Math.min(img.width, Math.floor((tx + 1) * sx)));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = (y * img.width + x) * 4;
          const a = img.data[i + 3] / 255;
          r += img.data[i] * a + 255 * (1 - a);
          g += img.data[i + 1] * a + 255 * (1 - a);
          b += img.data[i + 2] * a + 255 * (1 - a);
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (ty * net.width + tx) * 3;
      input[o] = (r / n - MEAN_RGB[0]) / 255;
      input[o + 1] = (g / n - MEAN_RGB[1]) / 255;
      input[o + 2] = (b / n - MEAN_RGB[2]) / 255;
    }
  }
  return { input, scale: Math.min(w / img.width, h / img.height) };
}

const iou = (a: DetectedFace, b: DetectedFace) => {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
};

/** Keeps the best of each group of overlapping boxes, best first. */
function suppress(boxes: DetectedFace[]): DetectedFace[] {
  const kept: DetectedFace[] = [];
  for (const box of [...boxes].sort((a, b) => b.score - a.score)) {
    if (kept.every((k) => iou(k, box) <= SAME_FACE_IOU)) kept.push(box);
  }
  return kept;
}

/**
 * Finds the faces in an image (any size: it is reduced to the network's
 * input, so a larger image costs only the reduction; the engine hands over a
 * copy already reduced to detectorSize). Boxes are in pixels of
 * `img`, clamped to it, largest first (Cloudinary's `g_face` takes the first).
 */
export function detectFaces(weights: TinyFaceWeights, img: Raster): DetectedFace[] {
  if (img.width < 1 || img.height < 1) return [];
  const net = detectorSize(img.width, img.height);
  const { input, scale } = networkInput(img, net);
  const grid = forward(weights, input, net.width, net.height);
  // One grid cell covers CELL input pixels; boxes come back in pixels of `img`.
  const cell = CELL / scale;
  const found: DetectedFace[] = [];
  for (let row = 0; row < grid.height; row++) {
    for (let col = 0; col < grid.width; col++) {
      for (let a = 0; a < ANCHORS.length; a++) {
        const o = (row * grid.width + col) * grid.channels + a * 5;
        const score = sigmoid(grid.data[o + 4]);
        if (score < MIN_SCORE) continue;
        const cx = (col + sigmoid(grid.data[o])) * cell;
        const cy = (row + sigmoid(grid.data[o + 1])) * cell;
        const bw = Math.exp(grid.data[o + 2]) * ANCHORS[a][0] * cell;
        const bh = Math.exp(grid.data[o + 3]) * ANCHORS[a][1] * cell;
        found.push({ x: cx - bw / 2, y: cy - bh / 2, width: bw, height: bh, score });
      }
    }
  }
  return suppress(found)
    .map((f) => clampTo(f, img.width, img.height))
    .filter((f) => f.width >= 1 && f.height >= 1)
    .sort((a, b) => b.width * b.height - a.width * a.height);
}

function clampTo(f: DetectedFace, width: number, height: number): DetectedFace {
  const x0 = Math.max(0, Math.round(f.x));
  const y0 = Math.max(0, Math.round(f.y));
  const x1 = Math.min(width, Math.round(f.x + f.width));
  const y1 = Math.min(height, Math.round(f.y + f.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0, score: Math.round(f.score * 1000) / 1000 };
}
