import { badRequest } from '../../errors';
import { blank, drawInto, place, TRANSPARENT, type Raster } from '../raster';
import type { Color } from '../types';
import { distanceSquared } from './common';
import { blurDirect, blurSigma } from './filter';
import { fillFromEdges } from './edge-fill';

/**
 * Effects drawn from the image's silhouette (its alpha): `e_shadow` and
 * `e_outline`. Both may grow the canvas so what they draw outside the image
 * is kept; an opaque image's silhouette is its rectangle.
 */

/** How far a blur of `sigma` reaches (three box passes stop well within 3 sigma). */
const reach = (sigma: number) => (sigma > 0 ? Math.ceil(3 * sigma) : 0);

/** Cap on the blur used by shadows and outlines: wider blurs leave nothing visible at these sizes. */
const MAX_SIGMA = 50;

/** The shadow's blur: soft at any strength, softer with more (sigma 2-7 px). */
const shadowSigma = (strength: number) => 2 + strength / 20;

/** The canvas a shadow needs: the image's rectangle joined with the shadow's, blur included. */
export function shadowCanvas(w: number, h: number, strength: number, dx: number, dy: number) {
  const m = reach(shadowSigma(strength));
  const left = Math.max(0, m - dx);
  const top = Math.max(0, m - dy);
  return { left, top, width: left + Math.max(w, w + dx + m), height: top + Math.max(h, h + dy + m) };
}

/**
 * `e_shadow:<strength>` with `co_` (black by default) and `x_`/`y_` as the
 * offset: the silhouette in the colour, at strength % opacity, blurred, drawn
 * behind the image.
 */
export function shadow(img: Raster, strength: number, color: Color, dx: number, dy: number): Raster {
  const { width: w, height: h } = img;
  const canvas = shadowCanvas(w, h, strength, dx, dy);
  const layer = blank(canvas.width, canvas.height, { ...color, a: 0 });
  const opacity = (color.a / 255) * (strength / 100);
  for (let y = 0; y < h; y++) {
    const row = ((y + dy + canvas.top) * canvas.width + dx + canvas.left) * 4;
    for (let x = 0; x < w; x++) layer.data[row + x * 4 + 3] = Math.round(img.data[(y * w + x) * 4 + 3] * opacity);
  }
  const soft = blurDirect(layer, shadowSigma(strength));
  // The blur mixed colour channels of transparent pixels with the colour itself only: put the exact colour back.
  for (let i = 0; i < soft.data.length; i += 4) {
    soft.data[i] = color.r;
    soft.data[i + 1] = color.g;
    soft.data[i + 2] = color.b;
  }
  drawInto(soft, img, canvas.left, canvas.top);
  return soft;
}

export const OUTLINE_MODES = ['outer', 'inner', 'inner_fill', 'outer_fill', 'fill'] as const;
export type OutlineMode = (typeof OUTLINE_MODES)[number];

const outlineSigma = (blur: number) => (blur > 0 ? Math.min(MAX_SIGMA, blurSigma(blur)) : 0);

/** What the outer outline adds on each side (none for inner-only modes). */
export function outlineMargin(mode: OutlineMode | undefined, width: number, blur: number): number {
  return mode === 'inner' || mode === 'inner_fill' ? 0 : width + reach(outlineSigma(blur));
}

/**
 * `e_outline[:<mode>][:<width>][:<blur>]` in `co_` (black by default): a band
 * of `width` px along the silhouette's edge, outside it (outer), inside it
 * (inner) or both (no mode, or `fill`); the `_fill` modes and `fill` also
 * paint the transparent holes the shape encloses. Edges are antialiased by
 * the exact distance to the shape; `blur` softens the band.
 */
export function outline(img: Raster, mode: OutlineMode | undefined, width: number, blur: number, color: Color): Raster {
  const m = outlineMargin(mode, width, blur);
  const base = m ? place(img, img.width + 2 * m, img.height + 2 * m, m, m, TRANSPARENT) : img;
  const { width: w, height: h, data } = base;
  const inside = new Uint8Array(w * h);
  const outside = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    inside[i] = data[i * 4 + 3] >= 128 ? 1 : 0;
    outside[i] = 1 - inside[i];
  }
  const outer = mode !== 'inner' && mode !== 'inner_fill';
  const inner = mode !== 'outer' && mode !== 'outer_fill';
  const fillHoles = mode === 'inner_fill' || mode === 'outer_fill' || mode === 'fill';
  const toShape = outer ? distanceSquared(inside, w, h) : undefined;
  const toEdge = inner ? distanceSquared(outside, w, h) : undefined;
  const holes = fillHoles ? enclosedHoles(outside, w, h) : undefined;
  const under = blank(w, h, { ...color, a: 0 });
  const over = blank(w, h, { ...color, a: 0 });
  const cover = (d: number) => Math.max(0, Math.min(1, width + 0.5 - d));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (holes?.[i]) under.data[i * 4 + 3] = color.a;
      if (toShape && !inside[i])
        under.data[i * 4 + 3] = Math.max(under.data[i * 4 + 3], Math.round(color.a * cover(Math.sqrt(toShape[i]))));
      if (toEdge && inside[i]) {
        // The canvas edge counts as outside, so an opaque rectangle gets its inner band too.
        const d = Math.min(Math.sqrt(toEdge[i]), x + 1, y + 1, w - x, h - y);
        over.data[i * 4 + 3] = Math.round(color.a * cover(d) * (data[i * 4 + 3] / 255));
      }
    }
  }
  const sigma = outlineSigma(blur);
  const below = sigma ? recolor(blurDirect(under, sigma), color) : under;
  drawInto(below, base, 0, 0);
  drawInto(below, sigma ? recolor(blurDirect(over, sigma), color) : over, 0, 0);
  return below;
}

function recolor(img: Raster, color: Color): Raster {
  for (let i = 0; i < img.data.length; i += 4) {
    img.data[i] = color.r;
    img.data[i + 1] = color.g;
    img.data[i + 2] = color.b;
  }
  return img;
}

/** Transparent pixels that cannot reach the canvas edge through transparent pixels. */
function enclosedHoles(outside: Uint8Array, w: number, h: number): Uint8Array {
  const reached = fillFromEdges(w, h, (i) => outside[i] !== 0);
  const holes = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) holes[i] = outside[i] && !reached[i] ? 1 : 0;
  return holes;
}

/** Offsets for shadows are bounded so a URL cannot ask for a canvas of millions of empty pixels. */
export function checkOffset(dx: number, dy: number, w: number, h: number): void {
  if (Math.abs(dx) > Math.max(w, 1000) || Math.abs(dy) > Math.max(h, 1000))
    throw badRequest(`Invalid shadow offset in transformation: ${dx},${dy} (at most the image's size)`);
}
