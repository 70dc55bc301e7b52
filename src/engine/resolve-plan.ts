import { badRequest } from '../errors';
import { readsAssetFacts, readsFaceCount, type Dynamic } from './expressions/ast';
import { asParameterText, evaluate, isTrue, type AssetFacts, type Scope } from './expressions/evaluate';
import { outputSize, planGeometry } from './geometry';
import { entryFor } from './registry';
import type { Area, Component, Gravity, Params, ParamKey, Plan } from './types';

/**
 * Turns a plan with conditions, variables, expressions and automatic widths
 * into the fixed plan the engine runs, once the source is known. Components
 * are evaluated in order against the size of the image entering each (the
 * sizes are followed through the geometry of every component, so `w` is the
 * width the previous component produced), and a `dpr_` anywhere applies to
 * every component without its own (`c_fill,w_200,h_200/dpr_2.0` is 400x400),
 * as Cloudinary composes it. The plan's canonical string is untouched: cache
 * keys and strict transformations still see what the URL said.
 */
export interface PlanContext {
  /** The source, upright (EXIF orientation applied). */
  width: number;
  height: number;
  pages: number;
  /** The device pixel ratio `dpr_auto` resolved to. */
  dpr: number;
  /** The width hint `w_auto` resolved to (already rounded to its step), when the request sent one. */
  autoWidth?: number;
  facts?: AssetFacts;
}

export function resolvePlan(plan: Plan, ctx: PlanContext): Plan {
  const components = needsEvaluation(plan.components) ? evaluateComponents(plan.components, ctx) : plan.components;
  const withDpr = applyDpr(components);
  return withDpr === plan.components ? plan : { ...plan, components: withDpr };
}

const FACE_EFFECTS: readonly string[] = ['blur_faces', 'pixelate_faces'];
const readsFaces = (p: Params) => p.g?.kind === 'faces' || p.c === 'auto' || (p.e !== undefined && FACE_EFFECTS.includes(p.e.name));
const usesStoredAreas = (c: Component) => c.params.g?.kind === 'custom' || readsFaces(c.params);
const needsEvaluation = (components: Component[]) => components.some((c) => c.dynamic || usesStoredAreas(c));

/** Whether running the plan needs the asset's facts: expressions that read them, or stored coordinates for g_custom and c_auto. */
export const usesAssetFacts = (components: Component[]) => readsAssetFacts(components) || components.some(usesStoredAreas);

/** Whether running the plan needs the faces of the image (face gravities, `c_auto`, the face effects, `fc`): detected once if not on record. */
export const usesFaces = (components: Component[]) => components.some((c) => readsFaces(c.params)) || readsFaceCount(components);

function evaluateComponents(components: Component[], ctx: PlanContext): Component[] {
  const scope: Scope = {
    width: ctx.width,
    height: ctx.height,
    initialWidth: ctx.width,
    initialHeight: ctx.height,
    pages: ctx.pages,
    facts: ctx.facts ?? {},
    variables: new Map(),
  };
  // One entry per open `if_` block: whether its branch is the one taken.
  const blocks: boolean[] = [];
  const out: Component[] = [];
  let inLayer = false;
  for (const [index, component] of components.entries()) {
    const d = component.dynamic;
    const active = blocks.every(Boolean);
    if (d?.branch === 'end') {
      if (!blocks.length) throw badRequest('Invalid transformation: if_end without if_');
      blocks.pop();
      continue;
    }
    if (d?.branch === 'else') {
      if (!blocks.length) throw badRequest('Invalid transformation: if_else without if_');
      blocks.push(!blocks.pop());
      continue;
    }
    if (d?.condition && opensBlock(component)) {
      blocks.push(active && isTrue(d.condition, scope));
      continue;
    }
    if (!active) continue;
    if (d?.condition && !isTrue(d.condition, scope)) continue;
    const evaluated = d ? fixParams(component.params, d, scope, ctx) : component.params;
    if (!Object.keys(evaluated).length) continue;
    const params = usesStoredAreas({ params: evaluated, canonical: '' }) ? withStoredArea(evaluated, scope) : evaluated;
    out.push(params === component.params ? component : { params, canonical: component.canonical });
    inLayer = followSize(scope, params, inLayer || opensLayer(components, index, params), ctx);
  }
  return out;
}

/**
 * `g_custom` becomes the stored custom area (scaled to the image entering the
 * component), else with `:face`/`:faces` the faces, else the fallback
 * (content-aware for the face forms, the centre for plain `g_custom`).
 * `g_face` becomes the largest face, `g_faces` the box around all of them.
 * `c_auto` without a gravity takes the custom area, else the faces.
 * `e_blur_faces`/`e_pixelate_faces` get the faces in the image's pixels.
 */
function withStoredArea(p: Params, scope: Scope): Params {
  const { custom, faces } = scope.facts;
  const scaled = (areas: Area[] | undefined, all: boolean): Gravity | undefined => {
    if (!areas?.length) return undefined;
    const chosen = all ? areas : areas.slice(0, 1);
    const x0 = Math.min(...chosen.map((a) => a.x));
    const y0 = Math.min(...chosen.map((a) => a.y));
    const x1 = Math.max(...chosen.map((a) => a.x + a.width));
    const y1 = Math.max(...chosen.map((a) => a.y + a.height));
    const sx = scope.width / scope.initialWidth;
    const sy = scope.height / scope.initialHeight;
    const area = { x: x0 * sx, y: y0 * sy, width: (x1 - x0) * sx, height: (y1 - y0) * sy };
    return { kind: 'area', area };
  };
  const g = p.g;
  let out = p;
  if (p.e && FACE_EFFECTS.includes(p.e.name)) {
    const sx = scope.width / scope.initialWidth;
    const sy = scope.height / scope.initialHeight;
    const inImage = (faces ?? []).map((a) => ({ x: a.x * sx, y: a.y * sy, width: a.width * sx, height: a.height * sy }));
    out = { ...out, e: { ...p.e, faces: inImage } };
  }
  if (g?.kind === 'custom') {
    const found = scaled(custom, false) ?? (g.fallback ? scaled(faces, g.fallback === 'faces') : undefined);
    return found ? { ...out, g: found } : out;
  }
  // The faces when there are any; otherwise the gravity stays and geometry.ts applies its fallback.
  if (g?.kind === 'faces') {
    const found = scaled(faces, g.all);
    return found ? { ...out, g: found } : out;
  }
  // c_auto prefers the custom area, then the faces, then the most detailed region.
  if (p.c === 'auto' && !g) {
    const found = scaled(custom, false) ?? scaled(faces, true);
    return found ? { ...out, g: found } : out;
  }
  return out;
}

/** `if_<condition>` alone in its component opens a block; with other items it guards only its own component. */
const opensBlock = (c: Component) =>
  !Object.keys(c.params).length && !c.dynamic?.assignments.length && !c.dynamic?.deferred.length && !c.dynamic?.autoWidth;

function fixParams(fixed: Params, d: Dynamic, scope: Scope, ctx: PlanContext): Params {
  for (const { name, value } of d.assignments) scope.variables.set(name, evaluate(value, scope));
  const params: Params = { ...fixed };
  for (const item of d.deferred) {
    const text = item.parts.map((p) => (typeof p === 'string' ? p : valueText(item.key, asParameterText(evaluate(p, scope))))).join(':');
    const entry = entryFor(item.key)!;
    (params as Record<ParamKey, unknown>)[entry.key] = entry.parse(text);
  }
  if (d.autoWidth) {
    const dpr = typeof params.dpr === 'number' ? params.dpr : params.dpr === 'auto' ? ctx.dpr : 1;
    // The hint is in device pixels and the geometry multiplies by the DPR: divide it out first.
    const width = ctx.autoWidth !== undefined ? ctx.autoWidth / dpr : d.autoWidth.fallback;
    if (width !== undefined) params.w = { value: width, relative: false };
  }
  return params;
}

/**
 * An expression's number as the parameter's text: lengths are whole pixels
 * (below 1 they stay a fraction of the image, as `w_0.5` is), quality,
 * radius and opacity whole numbers.
 */
function valueText(key: string, text: string): string {
  const n = Number(text);
  if (!/^-?[\d.]+$/.test(text) || !Number.isFinite(n)) return text;
  if (key === 'w' || key === 'h' || key === 'x' || key === 'y')
    return Number.isInteger(n) || Math.abs(n) < 1 ? text : String(Math.round(n));
  if (key === 'q' || key === 'r' || key === 'o') return String(Math.round(n));
  return text;
}

const closesLayer = (p: Params) => p.fl?.names.includes('layer_apply') ?? false;

/** A layer spans components when a later one closes it with `fl_layer_apply`; otherwise it is its own component alone. */
const opensLayer = (components: Component[], index: number, p: Params) =>
  (p.l !== undefined || p.u !== undefined) && !closesLayer(p) && components.slice(index + 1).some((c) => closesLayer(c.params));

/** The size of the image after a component, for the next one's `w`, `h` and `ar`; layer components leave the base's size alone. */
function followSize(scope: Scope, p: Params, inLayer: boolean, ctx: PlanContext): boolean {
  if (inLayer) return !closesLayer(p);
  // A layer in one component transforms the layer image only.
  if (p.l || p.u) return false;
  const dpr = typeof p.dpr === 'number' ? p.dpr : p.dpr === 'auto' ? ctx.dpr : 1;
  let { width, height } = outputSize(planGeometry({ width: scope.width, height: scope.height, params: p, dpr }));
  const degrees = p.a?.degrees ?? 0;
  if (degrees % 180 === 90) [width, height] = [height, width];
  else if (degrees % 90 !== 0) {
    const rad = (degrees * Math.PI) / 180;
    [width, height] = [
      Math.round(Math.abs(width * Math.cos(rad)) + Math.abs(height * Math.sin(rad))),
      Math.round(Math.abs(width * Math.sin(rad)) + Math.abs(height * Math.cos(rad))),
    ];
  }
  if (p.bo) [width, height] = [width + 2 * p.bo.width, height + 2 * p.bo.width];
  scope.width = width;
  scope.height = height;
  return false;
}

/** The last `dpr_` of the chain is the whole chain's device pixel ratio, for every component that names none. */
function applyDpr(components: Component[]): Component[] {
  let last: Params['dpr'];
  for (const c of components) last = c.params.dpr ?? last;
  if (last === undefined || components.every((c) => c.params.dpr !== undefined)) return components;
  return components.map((c) => (c.params.dpr !== undefined ? c : { ...c, params: { ...c.params, dpr: last } }));
}
