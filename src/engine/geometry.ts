import { geometryParams } from './effect-region';
import type { Compass, Gravity, Length, Params } from './types';

/**
 * The size arithmetic of Cloudinary's crop modes, as pure functions of the
 * input size and one component's parameters. The engine executes the result
 * as: take `region` of the input, resample it to `size`, and (for pads) place
 * it on `canvas`. Nothing here touches pixels, so the table test can check
 * every mode against its expected output size.
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Geometry {
  region: Rect;
  size: { width: number; height: number };
  canvas?: { width: number; height: number; x: number; y: number };
}

/** Where the detail of the input is (for `g_auto` and `c_fill_pad`), in input pixels. */
export interface Focus {
  /** Top-left of the most detailed `width` x `height` window. */
  best(width: number, height: number): { x: number; y: number };
  /** The share (0-1) of the input's detail inside a rectangle. */
  share(rect: Rect): number;
}

/** c_fill_pad pads instead of cropping away more than this share of the detail. */
const FILL_PAD_KEEP = 0.85;

export interface GeometryInput {
  width: number;
  height: number;
  params: Params;
  /** The device pixel ratio resolved for this request (1 when none). */
  dpr: number;
  focus?: Focus;
}

const px = (l: Length | undefined, whole: number) => (l === undefined ? undefined : l.relative ? l.value * whole : l.value);
const atLeast1 = (n: number) => Math.max(1, Math.round(n));

/** The output size for a component of a given input size (what the table test checks). */
export function outputSize(g: Geometry): { width: number; height: number } {
  return g.canvas ? { width: g.canvas.width, height: g.canvas.height } : g.size;
}

export function planGeometry(given: GeometryInput): Geometry {
  const input = { ...given, params: geometryParams(given.params) };
  const { width: W, height: H, params: p } = input;
  const whole: Rect = { x: 0, y: 0, width: W, height: H };
  // c_auto is a fill whose gravity is content-aware unless one is given (resolve-plan.ts adds the stored custom coordinates).
  const mode = p.c === 'auto' ? 'fill' : (p.c ?? 'scale');
  let tw = px(p.w, W);
  let th = px(p.h, H);
  if (tw !== undefined) tw *= input.dpr;
  if (th !== undefined) th *= input.dpr;

  // An aspect ratio fills in the missing side; with neither side given it keeps the input's width (or height).
  if (p.ar !== undefined && (tw === undefined || th === undefined)) {
    if (tw !== undefined) th = tw / p.ar;
    else if (th !== undefined) tw = th * p.ar;
    else {
      const pads = mode === 'pad' || mode === 'lpad' || mode === 'mpad';
      tw = W;
      th = W / p.ar;
      if (pads ? th < H : th > H) {
        th = H;
        tw = H * p.ar;
      }
    }
  }

  if (tw === undefined && th === undefined) {
    // c_crop with g_custom and no size crops to the stored coordinates.
    if (mode === 'crop' && p.g?.kind === 'area') return cropWindow(input, p.g.area.width, p.g.area.height, whole);
    // c_crop with only x/y keeps everything from that point to the far edges.
    if (mode === 'crop' && (p.x || p.y))
      return cropWindow(input, W - Math.max(0, px(p.x, W) ?? 0), H - Math.max(0, px(p.y, H) ?? 0), whole);
    return { region: whole, size: { width: W, height: H } };
  }

  const both = tw !== undefined && th !== undefined;
  const sw = tw !== undefined ? tw / W : th! / H;
  const sh = th !== undefined ? th / H : tw! / W;

  if (!both) {
    // One side given: every mode keeps the aspect ratio; the limit modes never enlarge, the minimum modes never shrink.
    let s = tw !== undefined ? sw : sh;
    if (mode === 'crop') return cropWindow(input, tw ?? W, th ?? H, whole);
    if (mode === 'limit' || mode === 'lfill' || mode === 'lpad') s = Math.min(s, 1);
    if (mode === 'mfit' || mode === 'mpad') s = Math.max(s, 1);
    return { region: whole, size: { width: atLeast1(W * s), height: atLeast1(H * s) } };
  }

  const w = tw!;
  const h = th!;
  switch (mode) {
    case 'scale':
      return { region: whole, size: { width: atLeast1(w), height: atLeast1(h) } };
    case 'fit':
    case 'limit':
    case 'mfit': {
      let s = Math.min(w / W, h / H);
      if (mode === 'limit') s = Math.min(s, 1);
      if (mode === 'mfit') s = Math.max(s, 1);
      return { region: whole, size: { width: atLeast1(W * s), height: atLeast1(H * s) } };
    }
    case 'fill':
    case 'thumb':
    case 'lfill': {
      const zoom = mode === 'thumb' ? (p.z ?? 1) : 1;
      const cover = Math.max(w / W, h / H) * zoom;
      const around = mode === 'thumb' && p.g?.kind === 'area' ? thumbAround(p.g.area, w / h, zoom, W, H) : undefined;
      const region = around ?? placeWindow(input, w / cover, h / cover);
      // lfill never enlarges: it keeps the requested aspect ratio at the largest size the input holds.
      const size =
        mode === 'lfill' && cover > 1 ? { width: region.width, height: region.height } : { width: atLeast1(w), height: atLeast1(h) };
      return { region, size };
    }
    case 'fill_pad':
      return fillPad(input, w, h);
    case 'pad':
    case 'lpad':
    case 'mpad': {
      const fit = Math.min(w / W, h / H);
      if ((mode === 'lpad' && fit >= 1) || (mode === 'mpad' && fit <= 1)) {
        // Not scaled: lpad still pads a smaller image to the requested box; mpad cannot pad a larger one.
        if (mode === 'mpad') return { region: whole, size: { width: W, height: H } };
        return padded(input, W, H, atLeast1(w), atLeast1(h));
      }
      return padded(input, atLeast1(W * fit), atLeast1(H * fit), atLeast1(w), atLeast1(h));
    }
    case 'crop':
      return cropWindow(input, w, h, whole);
  }
}

/**
 * c_fill_pad: a fill when the cropped window keeps most of the detail;
 * otherwise the scale moves from "cover" towards "fit" just far enough that
 * it does, and the part of the box beyond the image becomes padding.
 */
function fillPad(input: GeometryInput, w: number, h: number): Geometry {
  const { width: W, height: H, focus } = input;
  const size = { width: atLeast1(w), height: atLeast1(h) };
  // The mode is defined with content-aware gravity only.
  const auto: GeometryInput = { ...input, params: { ...input.params, g: { kind: 'auto' } } };
  const windowAt = (s: number) => placeWindow(auto, Math.min(W, w / s), Math.min(H, h / s));
  const cover = Math.max(w / W, h / H);
  const fill = windowAt(cover);
  if (!focus || focus.share(fill) >= FILL_PAD_KEEP) return { region: fill, size };
  let keeps = Math.min(w / W, h / H);
  let cuts = cover;
  for (let i = 0; i < 16; i++) {
    const mid = (keeps + cuts) / 2;
    if (focus.share(windowAt(mid)) >= FILL_PAD_KEEP) keeps = mid;
    else cuts = mid;
  }
  const region = windowAt(keeps);
  const inner = {
    width: Math.min(size.width, atLeast1(region.width * keeps)),
    height: Math.min(size.height, atLeast1(region.height * keeps)),
  };
  return {
    region,
    size: inner,
    canvas: { ...size, x: Math.round((size.width - inner.width) / 2), y: Math.round((size.height - inner.height) / 2) },
  };
}

function padded(input: GeometryInput, iw: number, ih: number, cw: number, ch: number): Geometry {
  const g = input.params.g;
  const dir: Compass = g?.kind === 'compass' ? g.dir : 'center';
  const [ax, ay] = ANCHORS[dir];
  const x = Math.round((cw - iw) * ax);
  const y = Math.round((ch - ih) * ay);
  return {
    region: { x: 0, y: 0, width: input.width, height: input.height },
    size: { width: iw, height: ih },
    canvas: { width: cw, height: ch, x, y },
  };
}

/** c_crop: a window of the input at its own scale, clamped to the input. */
function cropWindow(input: GeometryInput, w: number, h: number, whole: Rect): Geometry {
  const width = Math.min(atLeast1(w), whole.width);
  const height = Math.min(atLeast1(h), whole.height);
  const region = placeWindow(input, width, height);
  return { region, size: { width: region.width, height: region.height } };
}

/** Fractions of the free space left/above the window for each compass point. */
export const ANCHORS: Record<Compass, [number, number]> = {
  north_west: [0, 0],
  north: [0.5, 0],
  north_east: [1, 0],
  west: [0, 0.5],
  center: [0.5, 0.5],
  east: [1, 0.5],
  south_west: [0, 1],
  south: [0.5, 1],
  south_east: [1, 1],
};

/** How much wider and taller than the faces (or custom area) a `c_thumb` window is at `z_1`: the head with some shoulders. */
const THUMB_MARGIN = 2;

/**
 * `c_thumb` around an area (faces, custom coordinates): the window of the
 * requested aspect ratio that holds the area grown by THUMB_MARGIN, divided
 * by the zoom (`z_2` comes twice as close), centred on the area and never
 * larger than the input. The window is then resampled to the requested size.
 */
function thumbAround(area: Rect, aspect: number, zoom: number, W: number, H: number): Rect {
  let width = Math.max((area.width * THUMB_MARGIN) / zoom, ((area.height * THUMB_MARGIN) / zoom) * aspect);
  let height = width / aspect;
  // Larger than the input: the largest window of that aspect ratio instead.
  const fit = Math.min(1, W / width, H / height);
  width = atLeast1(width * fit);
  height = atLeast1(height * fit);
  const x = Math.max(0, Math.min(W - width, Math.round(area.x + area.width / 2 - width / 2)));
  const y = Math.max(0, Math.min(H - height, Math.round(area.y + area.height / 2 - height / 2)));
  return { x, y, width: Math.min(W, width), height: Math.min(H, height) };
}

/**
 * Where a `w` x `h` window sits in the input: by gravity, moved by x/y (away
 * from the anchored edge, as Cloudinary does), then clamped inside the input.
 */
function placeWindow(input: GeometryInput, w: number, h: number): Rect {
  const { width: W, height: H, params: p } = input;
  const width = Math.min(W, atLeast1(w));
  const height = Math.min(H, atLeast1(h));
  const ox = (px(p.x, W) ?? 0) * input.dpr;
  const oy = (px(p.y, H) ?? 0) * input.dpr;
  const g: Gravity =
    p.g ??
    (p.c === 'auto'
      ? { kind: 'auto' }
      : p.x !== undefined || p.y !== undefined
        ? { kind: 'compass', dir: 'north_west' }
        : { kind: 'compass', dir: 'center' });
  let x: number;
  let y: number;
  if (g.kind === 'xy_center') {
    x = ox - width / 2;
    y = oy - height / 2;
  } else if (g.kind === 'area') {
    // Centred on the area: a window larger than it holds it whole, a smaller one shows its middle.
    x = g.area.x + g.area.width / 2 - width / 2;
    y = g.area.y + g.area.height / 2 - height / 2;
  } else if ((g.kind === 'auto' || (g.kind === 'custom' && g.fallback) || (g.kind === 'faces' && g.fallback === 'auto')) && input.focus) {
    ({ x, y } = input.focus.best(width, height));
  } else {
    // A face gravity still unresolved here found no face: north, or the centre for the `:center` forms.
    const [ax, ay] = ANCHORS[g.kind === 'compass' ? g.dir : g.kind === 'faces' && g.fallback === 'north' ? 'north' : 'center'];
    x = (W - width) * ax + (ax === 1 ? -ox : ox);
    y = (H - height) * ay + (ay === 1 ? -oy : oy);
  }
  x = Math.max(0, Math.min(W - width, Math.round(x)));
  y = Math.max(0, Math.min(H - height, Math.round(y)));
  return { x, y, width, height };
}
