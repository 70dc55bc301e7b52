import { badRequest } from '../../errors';
import { blank, flip, TRANSPARENT, type Raster } from '../raster';
import { clamp255, sampleBilinear } from './common';

/**
 * Geometric warps: `e_shear` (an affine skew), `e_distort` with four corners
 * (a perspective transform) and `e_distort:arc`. Each maps every output pixel
 * back into the source and samples it bilinearly; what falls outside the
 * source is transparent (the background colour in JPEG). The output is the
 * bounding box of the warped image, bounded by MAX_GROWTH.
 */

/** A warp may enlarge the image at most this many times in area (and never beyond MAX_SIDE a side). */
export const MAX_GROWTH = 16;
const MAX_SIDE = 16384;

type Point = [number, number];
/** Output (x, y) to source (x, y), both in pixel-edge coordinates; undefined where nothing maps. */
type Inverse = (x: number, y: number) => Point | undefined;

interface Box {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

function boxOf(points: Point[]): Box {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const x0 = Math.floor(Math.min(...xs));
  const y0 = Math.floor(Math.min(...ys));
  return { x0, y0, width: Math.max(1, Math.ceil(Math.max(...xs)) - x0), height: Math.max(1, Math.ceil(Math.max(...ys)) - y0) };
}

function checkGrowth(what: string, box: Box, w: number, h: number): void {
  if (box.width > MAX_SIDE || box.height > MAX_SIDE || box.width * box.height > MAX_GROWTH * Math.max(w * h, 4096))
    throw badRequest(
      `Invalid ${what} in transformation: the result (${box.width}x${box.height}) would be more than ${MAX_GROWTH} times the image`,
    );
}

function render(img: Raster, box: Box, inverse: Inverse): Raster {
  const out = blank(box.width, box.height, TRANSPARENT);
  const px = new Float64Array(4);
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      const src = inverse(x + box.x0 + 0.5, y + box.y0 + 0.5);
      if (!src || !sampleBilinear(img, src[0] - 0.5, src[1] - 0.5, px)) continue;
      const o = (y * box.width + x) * 4;
      out.data[o] = clamp255(px[0]);
      out.data[o + 1] = clamp255(px[1]);
      out.data[o + 2] = clamp255(px[2]);
      out.data[o + 3] = clamp255(px[3]);
    }
  }
  return out;
}

const corners = (w: number, h: number): Point[] => [
  [0, 0],
  [w, 0],
  [w, h],
  [0, h],
];

/** The affine matrix of `e_shear:<x°>:<y°>`: x-skew first (x += y·tan ax), then y-skew (y += x·tan ay). */
function shearMatrix(ax: number, ay: number): [number, number, number, number] {
  const tx = Math.tan((ax * Math.PI) / 180);
  const ty = Math.tan((ay * Math.PI) / 180);
  return [1, tx, ty, 1 + tx * ty];
}

export function shearBox(w: number, h: number, ax: number, ay: number): Box {
  const [a, b, c, d] = shearMatrix(ax, ay);
  return boxOf(corners(w, h).map(([x, y]) => [a * x + b * y, c * x + d * y]));
}

export function shear(img: Raster, ax: number, ay: number): Raster {
  const [a, b, c, d] = shearMatrix(ax, ay);
  const box = shearBox(img.width, img.height, ax, ay);
  checkGrowth('shear', box, img.width, img.height);
  const det = a * d - b * c;
  return render(img, box, (x, y) => [(d * x - b * y) / det, (-c * x + a * y) / det]);
}

/** Solves the 8 unknowns of the homography taking `from[i]` to `to[i]` (Gaussian elimination with pivoting). */
function homography(from: Point[], to: Point[]): number[] | undefined {
  const m: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i];
    const [u, v] = to[i];
    m.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    m.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (Math.abs(m[pivot][col]) < 1e-9) return undefined;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let k = col; k < 9; k++) m[r][k] -= f * m[col][k];
    }
  }
  return m.map((row, i) => row[8] / row[i]);
}

/** The bounding box of the four corners as given (top-left, top-right, bottom-right, bottom-left). */
export const distortBox = (to: number[]): Box => boxOf([0, 1, 2, 3].map((i) => [to[2 * i], to[2 * i + 1]] as Point));

/** `e_distort:x1:y1:x2:y2:x3:y3:x4:y4`: the image's corners move to these points (a perspective transform). */
export function distort(img: Raster, to: number[]): Raster {
  const target = [0, 1, 2, 3].map((i) => [to[2 * i], to[2 * i + 1]] as Point);
  const box = distortBox(to);
  checkGrowth('distort', box, img.width, img.height);
  // The inverse directly: from the new corners back to the image's.
  const hm = homography(target, corners(img.width, img.height));
  if (!hm) throw badRequest(`Invalid distort in transformation: the corners ${to.join(':')} do not make a quadrilateral`);
  return render(img, box, (x, y) => {
    const z = hm[6] * x + hm[7] * y + 1;
    if (Math.abs(z) < 1e-12) return undefined;
    return [(hm[0] * x + hm[1] * y + hm[2]) / z, (hm[3] * x + hm[4] * y + hm[5]) / z];
  });
}

/**
 * `e_distort:arc:<degrees>`: the image bent round a circle, its top edge an
 * arc of `degrees` whose length is the image's width (negative degrees bend
 * it the other way). The output is the bounding box of the bent image.
 */
export function arcGeometry(w: number, h: number, degrees: number) {
  const theta = (Math.abs(degrees) * Math.PI) / 180;
  const outer = w / theta;
  const inner = Math.max(0, outer - h);
  const points: Point[] = [];
  for (let i = 0; i <= 64; i++) {
    const phi = -theta / 2 + (theta * i) / 64;
    for (const r of [outer, inner]) points.push([r * Math.sin(phi), -r * Math.cos(phi)]);
  }
  for (const phi of [-Math.PI, -Math.PI / 2, 0, Math.PI / 2, Math.PI])
    if (Math.abs(phi) <= theta / 2) points.push([outer * Math.sin(phi), -outer * Math.cos(phi)]);
  return { theta, outer, inner, box: boxOf(points) };
}

export function arc(img: Raster, degrees: number): Raster {
  // Bending downwards is the upward bend of the upside-down image, turned back.
  if (degrees < 0) return flip(arc(flip(img, 'v'), -degrees), 'v');
  const { width: w, height: h } = img;
  const { theta, outer, inner, box } = arcGeometry(w, h, degrees);
  checkGrowth('distort', box, w, h);
  return render(img, box, (x, y) => {
    const r = Math.hypot(x, y);
    if (r > outer + 0.5 || r < inner - 0.5) return undefined;
    const phi = Math.atan2(x, -y);
    if (Math.abs(phi) > theta / 2 + 0.5 / outer) return undefined;
    return [(phi / theta + 0.5) * w, outer - r];
  });
}
