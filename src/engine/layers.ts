import { badRequest } from '../errors';
import { ANCHORS } from './geometry';
import { blendLayer } from './pixels/blend';
import { blank, drawInto, drawOver, TRANSPARENT, type Raster } from './raster';
import { splitTextParams, type TextLayerOptions } from './text-layer';
import { BLEND_MODES, type BlendMode, type Component, type Layer, type LayerAssetType, type Length, type Params } from './types';

/**
 * Overlays and underlays. A layer starts at a component with `l_`/`u_`; that
 * component's other parameters (and those of the components up to the one
 * with `fl_layer_apply`) transform the layer image; `g_`, `x_`, `y_` and
 * `fl_tiled` of the `fl_layer_apply` component (or, without one, of the layer
 * component itself) place it on the image so far. With `fl_relative`, the
 * layer's relative `w_`/`h_` are fractions of the base image, not of the layer.
 */

/**
 * Where layer images come from. The engine knows no storage or network: the
 * caller (delivery, or the benchmark) gives it this. Every method returns the
 * encoded image bytes, which the engine decodes like any source.
 */
export interface LayerSources {
  /** Another image of the same cloud (`l_folder:name`, `l_private:name`); its access was checked before the engine runs. */
  asset(publicId: string, type: 'upload' | LayerAssetType): Promise<Uint8Array>;
  /** A remote image, through the guarded fetcher (`l_fetch:`). */
  fetch(url: string): Promise<Uint8Array>;
  /** Text rendered as a PNG with a transparent background (`l_text:`), laid out as the layer's own component asks. */
  text(layer: TextLayer, options: TextLayerOptions): Promise<Uint8Array>;
}

type TextLayer = Extract<Layer, { kind: 'text' | 'text_style' }>;

/** One layer as the engine runs it. */
export interface LayerStep {
  layer: Layer;
  under: boolean;
  /** Parameters that transform the layer image, in order. */
  transform: Params[];
  /** Where it goes on the base. */
  placement: Pick<Params, 'g' | 'x' | 'y'> & { tiled: boolean };
  /** What remains of the `fl_layer_apply` component: it runs on the composed image. */
  after?: Params;
  /** `e_multiply`, `e_screen`, ...: how the overlay combines with the base (drawn over it when absent). */
  blend?: BlendMode;
  /** `fl_text_disallow_overflow`: a text layer reaching past the image is an error. */
  disallowOverflow?: boolean;
}

/** Renders a layer image: decode `bytes` and run `components` on it (the engine's own pipeline). */
export type RenderLayer = (bytes: Uint8Array, components: Params[]) => Promise<Raster>;

const hasFlag = (p: Params, name: string) => p.fl?.names.includes(name as never) ?? false;

/** Groups the components at `start` (which has `l_` or `u_`) into a layer step; returns it and the index after it. */
export function layerStep(components: Component[], start: number): { step: LayerStep; next: number } {
  const first = components[start].params;
  const under = first.l === undefined;
  const layer = (first.l ?? first.u)!;
  if (first.l && first.u) throw badRequest('A transformation component cannot have both an overlay (l_) and an underlay (u_)');
  // `fl_layer_apply` beside the layer (`c_scale,fl_layer_apply,l_logo,w_50`, as the SDKs write
  // `{overlay, flags: 'layer_apply'}`) closes it in its own component.
  checkTextFlags(layer, first);
  if (hasFlag(first, 'layer_apply')) return singleComponentLayer(first, layer, under, start);
  let end = start;
  while (end < components.length && !hasFlag(components[end].params, 'layer_apply')) end++;
  const applied = end < components.length;
  if (applied) {
    for (let i = start + 1; i < end; i++) {
      if (components[i].params.l || components[i].params.u)
        throw badRequest('Nested layers are not supported: close the layer with fl_layer_apply first');
    }
  }
  if (!applied) return singleComponentLayer(first, layer, under, start);
  const own = textRest(layer, withoutBlend(withoutLayer(first)));
  const apply = components[end].params;
  if (apply.l || apply.u) throw badRequest('fl_layer_apply closes a layer and cannot open another in the same component');
  const blend = blendOf(apply, under) ?? blendOf(first, under);
  const { g, x, y, ...after } = withoutBlend(apply);
  const transform = [own, ...components.slice(start + 1, end).map((c) => c.params)].map((p) => withoutLayerFlags(p));
  const relative = hasFlag(first, 'relative') || hasFlag(apply, 'relative');
  const tiled = hasFlag(first, 'tiled') || hasFlag(apply, 'tiled');
  if (relative) transform[0] = { ...transform[0], fl: { names: [...(transform[0].fl?.names ?? []), 'relative'] } };
  const rest = withoutLayerFlags(after, PLACEMENT_FLAGS);
  return {
    step: {
      layer,
      under,
      transform,
      placement: { g, x, y, tiled },
      after: Object.keys(rest).length ? rest : undefined,
      blend,
      disallowOverflow: hasFlag(first, 'text_disallow_overflow') || hasFlag(apply, 'text_disallow_overflow'),
    },
    next: end + 1,
  };
}

const isText = (layer: Layer): layer is TextLayer => layer.kind === 'text' || layer.kind === 'text_style';
const fontOf = (layer: TextLayer) => (layer.kind === 'text' ? layer.font : undefined);

/** A text layer's own component without what the text renderer takes (`c_fit,w_`, `bo_` with `stroke`, the text flags). */
const textRest = (layer: Layer, p: Params): Params => (isText(layer) ? splitTextParams(fontOf(layer), p).rest : p);

function checkTextFlags(layer: Layer, p: Params): void {
  if (isText(layer)) return;
  const flag = p.fl?.names.find((n) => n === 'text_no_trim' || n === 'text_disallow_overflow');
  if (flag) throw badRequest(`Flag ${flag} applies to text layers (l_text:) only`);
}

const withoutLayer = (p: Params): Params => {
  const own = { ...p };
  delete own.l;
  delete own.u;
  return own;
};

/** A layer opened and placed by one component: its `g_`/`x_`/`y_` place it, a blend effect combines it, the rest transforms it. */
function singleComponentLayer(first: Params, layer: Layer, under: boolean, start: number): { step: LayerStep; next: number } {
  const { g, x, y, ...rest } = withoutBlend(withoutLayer(first));
  return {
    step: {
      layer,
      under,
      transform: [withoutLayerFlags(textRest(layer, rest))],
      placement: { g, x, y, tiled: hasFlag(first, 'tiled') },
      blend: blendOf(first, under),
      disallowOverflow: hasFlag(first, 'text_disallow_overflow'),
    },
    next: start + 1,
  };
}

const isBlend = (p: Params) => p.e !== undefined && (BLEND_MODES as readonly string[]).includes(p.e.name);

function blendOf(p: Params, under: boolean): BlendMode | undefined {
  if (!isBlend(p)) return undefined;
  if (under) throw badRequest(`Effect ${p.e!.name} blends an overlay: it cannot be used with an underlay (u_)`);
  return p.e!.name as BlendMode;
}

function withoutBlend(p: Params): Params {
  if (!isBlend(p)) return p;
  const out = { ...p };
  delete out.e;
  return out;
}

const LAYER_FLAGS = new Set(['layer_apply', 'tiled', 'no_overflow']);
/** What the `fl_layer_apply` component's flags say about placing; none of it is left for the composed image. */
const PLACEMENT_FLAGS = new Set(['layer_apply', 'tiled', 'relative', 'no_overflow', 'text_disallow_overflow']);
function withoutLayerFlags(p: Params, drop = LAYER_FLAGS): Params {
  if (!p.fl) return p;
  const names = p.fl.names.filter((n) => !drop.has(n));
  const out = { ...p };
  if (names.length) out.fl = { ...p.fl, names };
  else delete out.fl;
  return out;
}

/** `fl_relative`: relative sizes of the layer's first component become pixels of the base. */
function relativeToBase(p: Params, base: Raster): Params {
  if (!hasFlag(p, 'relative')) return p;
  const px = (l: Length | undefined, whole: number): Length | undefined =>
    l?.relative ? { value: Math.max(1, Math.round(l.value * whole)), relative: false } : l;
  return { ...p, w: px(p.w, base.width), h: px(p.h, base.height) };
}

/** The encoded image of every layer of the plan, in the order the layers appear (loaded concurrently). */
export async function loadLayers(components: Component[], sources: LayerSources | undefined): Promise<Uint8Array[]> {
  const wanted = components.filter((c) => c.params.l || c.params.u).map((c) => c.params);
  if (!wanted.length) return [];
  if (!sources) throw badRequest('Overlays and underlays are not available for this request');
  return Promise.all(
    wanted.map((p) => {
      const layer = (p.l ?? p.u)!;
      if (layer.kind === 'asset') return sources.asset(layer.publicId, layer.type ?? 'upload');
      if (layer.kind === 'fetch') return sources.fetch(layer.url);
      return sources.text(layer, splitTextParams(fontOf(layer), p).options);
    }),
  );
}

/** Runs one layer step on `base`, with the layer's encoded image `bytes`. */
export async function applyLayer(base: Raster, step: LayerStep, bytes: Uint8Array, render: RenderLayer): Promise<Raster> {
  const [first, ...more] = step.transform;
  const image = await render(bytes, [relativeToBase(first, base), ...more]);
  const { x, y } = position(base, image, step.placement);
  if (step.disallowOverflow && (x < 0 || y < 0 || x + image.width > base.width || y + image.height > base.height))
    throw badRequest(
      `Text overlay of ${image.width}x${image.height} pixels at ${x},${y} exceeds the image boundaries (${base.width}x${base.height}): fl_text_disallow_overflow`,
    );
  if (!step.under) {
    if (step.blend) return blendLayer(base, image, x, y, step.blend);
    if (!step.placement.tiled) return drawOver(base, image, x, y);
    const out = { data: base.data.slice(), width: base.width, height: base.height };
    tile(out, image, x, y);
    return out;
  }
  const canvas = blank(base.width, base.height, TRANSPARENT);
  if (step.placement.tiled) tile(canvas, image, x, y);
  else drawInto(canvas, image, x, y);
  drawInto(canvas, base, 0, 0);
  return canvas;
}

function tile(out: Raster, image: Raster, x: number, y: number): void {
  const sx = (((x % image.width) + image.width) % image.width) - image.width;
  const sy = (((y % image.height) + image.height) % image.height) - image.height;
  for (let ty = sy; ty < out.height; ty += image.height) for (let tx = sx; tx < out.width; tx += image.width) drawInto(out, image, tx, ty);
}

/** Top-left of the layer on the base: by gravity (centre by default), moved by x/y away from the anchored edge. */
function position(
  base: { width: number; height: number },
  layer: { width: number; height: number },
  p: LayerStep['placement'],
): { x: number; y: number } {
  const off = (l: Length | undefined, whole: number) => (l === undefined ? 0 : l.relative ? l.value * whole : l.value);
  const ox = off(p.x, base.width);
  const oy = off(p.y, base.height);
  if (p.g?.kind === 'xy_center') return { x: Math.round(ox - layer.width / 2), y: Math.round(oy - layer.height / 2) };
  const [ax, ay] = ANCHORS[p.g?.kind === 'compass' ? p.g.dir : 'center'];
  const x = (base.width - layer.width) * ax + (ax === 1 ? -ox : ox);
  const y = (base.height - layer.height) * ay + (ay === 1 ? -oy : oy);
  return { x: Math.round(x), y: Math.round(y) };
}
