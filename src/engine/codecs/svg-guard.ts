import { badRequest } from '../../errors';

/**
 * What an SVG will cost resvg, read from its text before it renders.
 *
 * resvg allocates a pixmap for each filter primitive over the filter's whole
 * region, and the region is written by the file: `width="100000%"` on a
 * filter makes a 100x100 rendering allocate as if it were 100000x100000. So
 * is the tree: `<use>` elements that reference groups of `<use>` elements
 * multiply the nodes it draws. Both are counted here (pessimistically: a
 * filtered element is taken to cover the whole canvas) and charged to the
 * request's budgets like any decoder, or refused outright when the tree is
 * too large.
 */

/** Nodes resvg would draw once every `<use>` is expanded; more is refused. */
const MAX_SVG_NODES = 20_000;

/** Work per region pixel of each filter primitive (a plain copy costs 1); unknown primitives count as 4. */
const PRIMITIVE_OPS: Record<string, number> = {
  feGaussianBlur: 12,
  feMorphology: 40,
  feConvolveMatrix: 40,
  feTurbulence: 60,
  feDiffuseLighting: 20,
  feSpecularLighting: 20,
  feDisplacementMap: 8,
  feComponentTransfer: 2,
  feColorMatrix: 2,
  feFlood: 1,
  feOffset: 1,
  feMerge: 2,
  feBlend: 2,
  feComposite: 2,
  feTile: 2,
  feImage: 4,
  feDropShadow: 14,
};

export interface SvgCost {
  bytes: number;
  ops: number;
}

const TAG = /<\s*(\/?)\s*([A-Za-z][\w:.-]*)([^>]*?)(\/?)\s*>/g;

interface Element {
  name: string;
  attrs: string;
  children: Element[];
}

/** The elements of the document (comments, CDATA and processing instructions skipped). */
function parse(text: string): Element {
  const root: Element = { name: '#root', attrs: '', children: [] };
  const stack = [root];
  const clean = text.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>/g, '');
  for (const m of clean.matchAll(TAG)) {
    const [, closing, name, attrs, selfClosing] = m;
    if (closing) {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const el: Element = { name, attrs, children: [] };
    stack[stack.length - 1].children.push(el);
    if (!selfClosing) stack.push(el);
  }
  return root;
}

const attr = (el: Element, name: string) => new RegExp(`(?:^|\\s)${name}\\s*=\\s*["']([^"']*)["']`).exec(el.attrs)?.[1];

function walk(el: Element, visit: (el: Element) => void): void {
  visit(el);
  for (const c of el.children) walk(c, visit);
}

/** Nodes drawn once `<use>` references are expanded (a reference cycle counts as too many). */
function expandedNodes(root: Element): number {
  const byId = new Map<string, Element>();
  walk(root, (el) => {
    const id = attr(el, 'id');
    if (id) byId.set(id, el);
  });
  const memo = new Map<Element, number>();
  const visiting = new Set<Element>();
  const count = (el: Element): number => {
    const known = memo.get(el);
    if (known !== undefined) return known;
    if (visiting.has(el)) return Infinity;
    visiting.add(el);
    let n = 1;
    for (const c of el.children) n += count(c);
    if (el.name === 'use') {
      const href = (attr(el, 'href') ?? attr(el, 'xlink:href') ?? '').replace(/^#/, '');
      const target = byId.get(href);
      if (target) n += count(target);
    }
    visiting.delete(el);
    memo.set(el, n);
    return n;
  };
  return count(root);
}

/** A filter region's size as a multiple of what it filters (SVG's default region is 120% of the bounding box each way). */
function regionFactor(filter: Element, root: Element): number {
  const user = attr(filter, 'filterUnits') === 'userSpaceOnUse';
  const svg = root.children.find((c) => c.name === 'svg');
  const box = svg ? viewBox(svg) : undefined;
  const factor = (name: 'width' | 'height', fallback: number) => {
    const raw = attr(filter, name);
    if (raw === undefined) return fallback;
    const n = parseFloat(raw);
    if (!Number.isFinite(n) || n <= 0) return 0;
    if (raw.trim().endsWith('%')) return n / 100;
    if (!user) return n;
    const whole = box ? (name === 'width' ? box.width : box.height) : 100;
    return whole > 0 ? n / whole : n;
  };
  return Math.max(1, factor('width', 1.2)) * Math.max(1, factor('height', 1.2));
}

function viewBox(svg: Element): { width: number; height: number } | undefined {
  const vb = attr(svg, 'viewBox')
    ?.trim()
    .split(/[\s,]+/)
    .map(Number);
  if (vb && vb.length === 4 && vb[2] > 0 && vb[3] > 0) return { width: vb[2], height: vb[3] };
  const w = parseFloat(attr(svg, 'width') ?? '');
  const h = parseFloat(attr(svg, 'height') ?? '');
  return w > 0 && h > 0 ? { width: w, height: h } : undefined;
}

/** Extra cost of filters at a rendering of `renderPixels`; refuses a tree that expands beyond MAX_SVG_NODES. */
export function svgFilterCost(input: Uint8Array, renderPixels: number): SvgCost {
  const root = parse(new TextDecoder().decode(input));
  const nodes = expandedNodes(root);
  if (nodes > MAX_SVG_NODES)
    throw badRequest(
      `Image too complex: the SVG draws ${Number.isFinite(nodes) ? nodes : 'endlessly many'} nodes, maximum is ${MAX_SVG_NODES}`,
    );
  let bytes = 0;
  let ops = 0;
  walk(root, (el) => {
    if (el.name !== 'filter') return;
    const regionPixels = renderPixels * regionFactor(el, root);
    const primitives = el.children.filter((c) => c.name.startsWith('fe'));
    // Every primitive's result is a pixmap kept for later references, plus the source graphic and the canvas.
    bytes += regionPixels * 4 * (primitives.length + 2);
    for (const p of primitives) ops += regionPixels * (PRIMITIVE_OPS[p.name] ?? 4) * primitiveScale(p);
  });
  return { bytes, ops };
}

/** Primitives whose work grows with a parameter the file writes: a morphology radius, a convolution kernel, noise octaves. */
function primitiveScale(p: Element): number {
  const num = (name: string, fallback: number) => {
    const values = (attr(p, name) ?? '')
      .trim()
      .split(/[\s,]+/)
      .map(Number)
      .filter(Number.isFinite);
    return values.length ? Math.max(...values.map(Math.abs)) : fallback;
  };
  if (p.name === 'feMorphology') return Math.max(1, num('radius', 0));
  if (p.name === 'feConvolveMatrix') return Math.max(1, num('order', 3) ** 2 / 9);
  if (p.name === 'feTurbulence') return Math.max(1, num('numOctaves', 1));
  return 1;
}
