import { badRequest } from '../../errors';
import { TRANSPARENT_INDEX, type Posterized } from '../pixels/posterize';

/**
 * The SVG writer behind `e_vectorize` with `f_svg`: every region of flat
 * colour becomes part of one `<path>` per colour. A region's outline is the
 * set of pixel edges between it and anything else; with the even-odd rule
 * that set fills exactly the region (holes included) however the edges are
 * chained, so the tracer only chains them into closed loops and drops the
 * vertices in the middle of straight runs. The most common colour is a
 * rectangle behind the rest. Coordinates are in the working grid (the
 * detail); the document's width and height are the delivered size.
 */

/** The largest SVG written (bytes): beyond, the client is asked for less detail rather than a document a browser chokes on. */
const MAX_SVG_BYTES = 8 * 1024 * 1024;

const hex = (c: [number, number, number]) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');

/** Closed loops of the boundary of the pixels of `colour`, as "M..Z" path data with straight runs merged. */
function outlinePath(p: Posterized, colour: number): string {
  const { width: w, height: h, index } = p;
  const W = w + 1;
  const is = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && index[y * w + x] === colour;
  // Directed edges, clockwise around the region: from vertex -> list of next vertices.
  const next = new Map<number, number[]>();
  const add = (x0: number, y0: number, x1: number, y1: number) => {
    const from = y0 * W + x0;
    const list = next.get(from);
    if (list) list.push(y1 * W + x1);
    else next.set(from, [y1 * W + x1]);
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!is(x, y)) continue;
      if (!is(x, y - 1)) add(x, y, x + 1, y);
      if (!is(x + 1, y)) add(x + 1, y, x + 1, y + 1);
      if (!is(x, y + 1)) add(x + 1, y + 1, x, y + 1);
      if (!is(x - 1, y)) add(x, y + 1, x, y);
    }
  }
  const parts: string[] = [];
  // Every vertex has as many edges in as out, so a walk from a vertex can only end where it began.
  for (const [start, out] of next) {
    while (out.length) {
      const loop: number[] = [];
      let at = start;
      do {
        const list = next.get(at);
        if (!list?.length) break;
        loop.push(at);
        at = list.pop() as number;
      } while (at !== start);
      if (loop.length >= 4) parts.push(loopData(loop, W));
    }
  }
  return parts.join('');
}

/** "M x y L ... Z" with the vertices inside straight runs left out. */
function loopData(loop: number[], W: number): string {
  const pts = loop.map((v) => [v % W, Math.floor(v / W)]);
  const n = pts.length;
  const keep: number[][] = [];
  for (let i = 0; i < n; i++) {
    const [ax, ay] = pts[(i + n - 1) % n];
    const [bx, by] = pts[i];
    const [cx, cy] = pts[(i + 1) % n];
    if ((bx - ax) * (cy - by) - (by - ay) * (cx - bx) !== 0) keep.push(pts[i]);
  }
  if (keep.length < 3) return '';
  return 'M' + keep.map(([x, y]) => `${x} ${y}`).join('L') + 'Z';
}

/** Pixel edges between different colours: each becomes at most one vertex of about 8 bytes, so this bounds the document before it is built. */
function boundaryEdges(p: Posterized): number {
  const { width: w, height: h, index } = p;
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const k = index[y * w + x];
      if (x + 1 < w && index[y * w + x + 1] !== k) n++;
      if (y + 1 < h && index[(y + 1) * w + x] !== k) n++;
    }
  }
  return n;
}

const TOO_DETAILED = () =>
  badRequest(
    `Vectorized image too detailed: the SVG would pass ${MAX_SVG_BYTES / 1048576} MB; lower the detail or colors, or raise despeckle (e_vectorize:<colors>:<detail>:<despeckle>)`,
  );

export function traceSvg(p: Posterized, width: number, height: number): Uint8Array {
  // Every inner edge is traced twice (once per side), at up to ~8 bytes a vertex.
  if (boundaryEdges(p) * 2 * 8 > MAX_SVG_BYTES) throw TOO_DETAILED();
  const counts = new Map<number, number>();
  for (const k of p.index) counts.set(k, (counts.get(k) ?? 0) + 1);
  const colours = [...counts.keys()].filter((k) => k !== TRANSPARENT_INDEX).sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0));
  const opaque = !counts.has(TRANSPARENT_INDEX);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${p.width} ${p.height}" preserveAspectRatio="none" shape-rendering="crispEdges">`,
  ];
  let size = parts[0].length;
  colours.forEach((k, i) => {
    const fill = hex(p.palette[k]);
    const part =
      i === 0 && opaque
        ? `<rect width="${p.width}" height="${p.height}" fill="${fill}"/>`
        : `<path fill="${fill}" fill-rule="evenodd" d="${outlinePath(p, k)}"/>`;
    size += part.length;
    if (size > MAX_SVG_BYTES) throw TOO_DETAILED();
    parts.push(part);
  });
  parts.push('</svg>');
  return new TextEncoder().encode(parts.join(''));
}
