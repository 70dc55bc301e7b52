import { blank, place, type Raster } from '../raster';
import type { Color, Radius } from '../types';

/**
 * Rounded corners: pixels outside the rounded shape become transparent (the
 * encoder puts the background behind them for formats without alpha). Edge
 * pixels get partial coverage from 4x4 supersampling, so curves are smooth.
 */
export function roundCorners(img: Raster, radii: Radius): Raster {
  const { width: w, height: h } = img;
  const data = img.data.slice();
  const inside = radii.kind === 'max' ? ellipseCoverage(w, h) : cornerCoverage(w, h, radii.corners);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = inside(x, y);
      if (c < 1) data[(y * w + x) * 4 + 3] = Math.round(data[(y * w + x) * 4 + 3] * c);
    }
  }
  return { data, width: w, height: h };
}

const SAMPLES = [0.125, 0.375, 0.625, 0.875];

function coverage(x: number, y: number, test: (px: number, py: number) => boolean): number {
  let n = 0;
  for (const sy of SAMPLES) for (const sx of SAMPLES) if (test(x + sx, y + sy)) n++;
  return n / 16;
}

function ellipseCoverage(w: number, h: number): (x: number, y: number) => number {
  const rx = w / 2;
  const ry = h / 2;
  const test = (px: number, py: number) => ((px - rx) / rx) ** 2 + ((py - ry) / ry) ** 2 <= 1;
  return (x, y) => {
    // Only pixels near the boundary need sampling: the centre is inside whatever the sample.
    const nx = (x + 0.5 - rx) / rx;
    const ny = (y + 0.5 - ry) / ry;
    const d = nx * nx + ny * ny;
    if (d < 0.9 && Math.abs(x + 0.5 - rx) < rx - 2 && Math.abs(y + 0.5 - ry) < ry - 2) return 1;
    return coverage(x, y, test);
  };
}

function cornerCoverage(w: number, h: number, corners: [number, number, number, number]): (x: number, y: number) => number {
  // Radius larger than half a side would overlap: scale them all down together, as CSS does.
  const [tl, tr, br, bl] = corners;
  const f = Math.min(1, w / Math.max(1, tl + tr), w / Math.max(1, bl + br), h / Math.max(1, tl + bl), h / Math.max(1, tr + br));
  const r = corners.map((c) => c * f);
  const circle = (cx: number, cy: number, rad: number) => (px: number, py: number) => (px - cx) ** 2 + (py - cy) ** 2 <= rad * rad;
  const shapes: [number, number, number, number, (px: number, py: number) => boolean][] = [
    [0, 0, r[0], r[0], circle(r[0], r[0], r[0])],
    [w - r[1], 0, r[1], r[1], circle(w - r[1], r[1], r[1])],
    [w - r[2], h - r[2], r[2], r[2], circle(w - r[2], h - r[2], r[2])],
    [0, h - r[3], r[3], r[3], circle(r[3], h - r[3], r[3])],
  ];
  return (x, y) => {
    for (const [sx, sy, sw, sh, test] of shapes) {
      if (sw > 0 && x + 1 > sx && x < sx + sw && y + 1 > sy && y < sy + sh) return coverage(x, y, test);
    }
    return 1;
  };
}

/**
 * A solid border `width` pixels wide around the image (the image grows by
 * twice the width). With rounded corners the border follows them: its outer
 * corners are rounded by the corner radius plus the width.
 */
export function border(img: Raster, width: number, color: Color, radii?: Radius): Raster {
  const framed = place(img, img.width + 2 * width, img.height + 2 * width, width, width, color);
  if (!radii) return framed;
  return roundCorners(
    framed,
    radii.kind === 'max'
      ? radii
      : { kind: 'px', corners: radii.corners.map((c) => (c > 0 ? c + width : 0)) as [number, number, number, number] },
  );
}

/** Multiplies every pixel's alpha by `percent` / 100. */
export function opacity(img: Raster, percent: number): Raster {
  const data = img.data.slice();
  const k = percent / 100;
  for (let i = 3; i < data.length; i += 4) data[i] = Math.round(data[i] * k);
  return { data, width: img.width, height: img.height };
}

/**
 * Cuts away the edges that match the background: the colour of the top-left
 * pixel (or `color`), within `tolerance` percent of the largest colour distance.
 */
export function trim(img: Raster, tolerance: number, color?: Color): Raster {
  const { width: w, height: h, data } = img;
  const ref = color ?? { r: data[0], g: data[1], b: data[2], a: data[3] };
  const limit = (tolerance / 100) * 441.7; // 441.7 = the RGB diagonal, sqrt(3 x 255²)
  const matches = (x: number, y: number) => {
    const i = (y * w + x) * 4;
    if (data[i + 3] === 0 && ref.a === 0) return true;
    return Math.hypot(data[i] - ref.r, data[i + 1] - ref.g, data[i + 2] - ref.b) <= limit && Math.abs(data[i + 3] - ref.a) <= limit;
  };
  const rowClear = (y: number) => {
    for (let x = 0; x < w; x++) if (!matches(x, y)) return false;
    return true;
  };
  const colClear = (x: number, y0: number, y1: number) => {
    for (let y = y0; y <= y1; y++) if (!matches(x, y)) return false;
    return true;
  };
  let top = 0;
  while (top < h && rowClear(top)) top++;
  if (top === h) return img;
  let bottom = h - 1;
  while (bottom > top && rowClear(bottom)) bottom--;
  let left = 0;
  while (left < w - 1 && colClear(left, top, bottom)) left++;
  let right = w - 1;
  while (right > left && colClear(right, top, bottom)) right--;
  const out = blank(right - left + 1, bottom - top + 1, { r: 0, g: 0, b: 0, a: 0 });
  for (let y = top; y <= bottom; y++) out.data.set(data.subarray((y * w + left) * 4, (y * w + right + 1) * 4), (y - top) * out.width * 4);
  return out;
}
