import type { Color } from './types';

/**
 * An RGBA image in JavaScript memory (4 bytes per pixel, straight alpha). The
 * cheap whole-image operations (flips, turns, pads, crops) run here on images
 * already reduced to their output size; decoding and resampling run in WASM.
 */
export interface Raster {
  data: Uint8Array;
  width: number;
  height: number;
}

export const TRANSPARENT: Color = { r: 0, g: 0, b: 0, a: 0 };
export const WHITE: Color = { r: 255, g: 255, b: 255, a: 255 };

export function blank(width: number, height: number, fill: Color): Raster {
  const data = new Uint8Array(width * height * 4);
  if (fill.r | fill.g | fill.b | fill.a) {
    const px = new Uint32Array(data.buffer);
    px.fill(new Uint32Array(new Uint8Array([fill.r, fill.g, fill.b, fill.a]).buffer)[0]);
  }
  return { data, width, height };
}

/** Places `img` at (x, y) on a canvas of the background colour; parts outside the canvas are cut. */
export function place(img: Raster, width: number, height: number, x: number, y: number, background: Color): Raster {
  const out = blank(width, height, background);
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(width, x + img.width);
  const y1 = Math.min(height, y + img.height);
  if (x1 <= x0 || y1 <= y0) return out;
  const opaqueBackground = background.a === 255;
  for (let row = y0; row < y1; row++) {
    const src = ((row - y) * img.width + (x0 - x)) * 4;
    const dst = (row * width + x0) * 4;
    const n = (x1 - x0) * 4;
    if (!opaqueBackground && background.a === 0) {
      out.data.set(img.data.subarray(src, src + n), dst);
      continue;
    }
    for (let i = 0; i < n; i += 4) blend(out.data, dst + i, img.data, src + i);
  }
  return out;
}

/** Source-over compositing of one pixel of `src` onto `dst`. */
function blend(dst: Uint8Array, d: number, src: Uint8Array, s: number): void {
  const sa = src[s + 3];
  if (sa === 255) {
    dst[d] = src[s];
    dst[d + 1] = src[s + 1];
    dst[d + 2] = src[s + 2];
    dst[d + 3] = 255;
    return;
  }
  if (sa === 0) return;
  const da = dst[d + 3];
  const outA = sa + (da * (255 - sa)) / 255;
  for (let c = 0; c < 3; c++) dst[d + c] = Math.round((src[s + c] * sa + (dst[d + c] * da * (255 - sa)) / 255) / outA);
  dst[d + 3] = Math.round(outA);
}

/** Composites onto an opaque background (for JPEG, which has no alpha). */
export function flatten(img: Raster, background: Color): Raster {
  if (!hasAlpha(img)) return img;
  return place(img, img.width, img.height, 0, 0, { ...background, a: 255 });
}

/** Whether any pixel is not fully opaque. */
export function hasAlpha(img: Raster): boolean {
  const d = img.data;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) return true;
  return false;
}

export function flip(img: Raster, axis: 'h' | 'v'): Raster {
  const { width: w, height: h } = img;
  const src = new Uint32Array(img.data.buffer, img.data.byteOffset, w * h);
  const out = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      out[y * w + x] = axis === 'h' ? src[y * w + (w - 1 - x)] : src[(h - 1 - y) * w + x];
    }
  }
  return { data: new Uint8Array(out.buffer), width: w, height: h };
}

/** Exact quarter turns clockwise (1, 2 or 3). */
function quarterTurns(img: Raster, turns: number): Raster {
  const { width: w, height: h } = img;
  const src = new Uint32Array(img.data.buffer, img.data.byteOffset, w * h);
  const out = new Uint32Array(w * h);
  const ow = turns === 2 ? w : h;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = src[y * w + x];
      if (turns === 1) out[x * ow + (h - 1 - y)] = p;
      else if (turns === 2) out[(h - 1 - y) * w + (w - 1 - x)] = p;
      else out[(w - 1 - x) * ow + y] = p;
    }
  }
  return { data: new Uint8Array(out.buffer), width: ow, height: turns === 2 ? h : w };
}

/**
 * Rotation clockwise by any angle: multiples of 90° are exact pixel moves;
 * other angles grow the canvas to the rotated bounding box, sample bilinearly
 * and fill the corners with the background (transparent when none is given).
 */
export function rotate(img: Raster, degrees: number, background: Color = TRANSPARENT): Raster {
  const deg = ((degrees % 360) + 360) % 360;
  if (deg === 0) return img;
  if (deg % 90 === 0) return quarterTurns(img, deg / 90);
  const rad = (deg * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const { width: w, height: h } = img;
  const ow = Math.round(Math.abs(w * cos) + Math.abs(h * sin));
  const oh = Math.round(Math.abs(w * sin) + Math.abs(h * cos));
  const out = blank(ow, oh, background);
  const cx = w / 2;
  const cy = h / 2;
  const ocx = ow / 2;
  const ocy = oh / 2;
  const sample = new Uint8Array(4);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // Inverse mapping: where in the source this output pixel's centre comes from.
      const dx = x + 0.5 - ocx;
      const dy = y + 0.5 - ocy;
      const sx = dx * cos + dy * sin + cx - 0.5;
      const sy = -dx * sin + dy * cos + cy - 0.5;
      if (sx < -0.5 || sy < -0.5 || sx > w - 0.5 || sy > h - 0.5) continue;
      bilinear(img, sx, sy, sample);
      const o = (y * ow + x) * 4;
      blend(out.data, o, sample, 0);
    }
  }
  return out;
}

function bilinear(img: Raster, x: number, y: number, out: Uint8Array): void {
  const { width: w, height: h, data } = img;
  const x0 = Math.max(0, Math.min(w - 1, Math.floor(x)));
  const y0 = Math.max(0, Math.min(h - 1, Math.floor(y)));
  const x1 = Math.min(w - 1, x0 + 1);
  const y1 = Math.min(h - 1, y0 + 1);
  const fx = Math.max(0, Math.min(1, x - x0));
  const fy = Math.max(0, Math.min(1, y - y0));
  for (let c = 0; c < 4; c++) {
    const top = data[(y0 * w + x0) * 4 + c] * (1 - fx) + data[(y0 * w + x1) * 4 + c] * fx;
    const bottom = data[(y1 * w + x0) * 4 + c] * (1 - fx) + data[(y1 * w + x1) * 4 + c] * fx;
    out[c] = Math.round(top * (1 - fy) + bottom * fy);
  }
}

/** Applies an EXIF orientation (1-8) so the image shows the right way up. */
export function orient(img: Raster, orientation: number): Raster {
  switch (orientation) {
    case 2:
      return flip(img, 'h');
    case 3:
      return quarterTurns(img, 2);
    case 4:
      return flip(img, 'v');
    case 5:
      return flip(quarterTurns(img, 1), 'h');
    case 6:
      return quarterTurns(img, 1);
    case 7:
      return flip(quarterTurns(img, 3), 'h');
    case 8:
      return quarterTurns(img, 3);
    default:
      return img;
  }
}

/** Draws `src` over a copy of `dst` with its top-left at (x, y) (source-over, parts outside cut). */
export function drawOver(dst: Raster, src: Raster, x: number, y: number): Raster {
  const out = { data: dst.data.slice(), width: dst.width, height: dst.height };
  drawInto(out, src, x, y);
  return out;
}

/** Like drawOver, in place (for repeated draws such as tiling). */
export function drawInto(out: Raster, src: Raster, x: number, y: number): void {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(out.width, x + src.width);
  const y1 = Math.min(out.height, y + src.height);
  for (let row = y0; row < y1; row++) {
    const s = ((row - y) * src.width + (x0 - x)) * 4;
    const d = (row * out.width + x0) * 4;
    for (let i = 0; i < (x1 - x0) * 4; i += 4) blend(out.data, d + i, src.data, s + i);
  }
}
