import { ANCHORS, type Rect } from '../geometry';
import type { Length, ZoomPan, ZoomPanPoint } from '../types';

/** Defaults of this worker (Cloudinary's own are not published in its URL reference): 10 seconds at 12 frames a second, zooming to 1.2. */
const DEFAULT_DURATION_S = 10;
const DEFAULT_FPS = 12;
const DEFAULT_MAX_ZOOM = 1.2;

/** Where `zt<p>` zooms to and `of<p>` zooms out from. */
const MODE_ANCHOR: Record<string, [number, number]> = {
  c: ANCHORS.center,
  l: ANCHORS.west,
  r: ANCHORS.east,
  t: ANCHORS.north,
  b: ANCHORS.south,
};

export const zoomPanFrames = (z: ZoomPan) => Math.max(2, Math.round((z.du ?? DEFAULT_DURATION_S) * (z.fps ?? DEFAULT_FPS)));
export const zoomPanDelay = (z: ZoomPan) => 1000 / (z.fps ?? DEFAULT_FPS);

/** An end of the path as the view's zoom and where it sits: an anchor (fractions) or a centre point (pixels). */
interface End {
  zoom: number;
  anchor?: [number, number];
  centre?: { x: Length | undefined; y: Length | undefined };
}

function ends(z: ZoomPan): [End, End] {
  const max = z.maxzoom ?? DEFAULT_MAX_ZOOM;
  const mode = z.mode ?? 'ztc';
  const at = MODE_ANCHOR[mode.slice(2)] ?? ANCHORS.center;
  const whole: End = { zoom: 1, anchor: ANCHORS.center };
  const near: End = { zoom: max, anchor: at };
  const [from, to] = mode.startsWith('of') ? [near, whole] : [whole, near];
  return [point(z.from, from), point(z.to, to)];
}

function point(p: ZoomPanPoint | undefined, fallback: End): End {
  if (!p) return fallback;
  const zoom = p.zoom ?? fallback.zoom;
  if (p.x || p.y) return { zoom, centre: { x: p.x, y: p.y } };
  return { zoom, anchor: p.gravity ? ANCHORS[p.gravity] : fallback.anchor, centre: fallback.centre };
}

/** The view (in the still's pixels) of end `e` at zoom `zoom`: its top-left, kept inside the image. */
function place(e: End, zoom: number, w: number, h: number): { x: number; y: number } {
  const vw = w / zoom;
  const vh = h / zoom;
  let x: number;
  let y: number;
  if (e.centre) {
    const len = (l: Length | undefined, whole: number) => (l === undefined ? whole / 2 : l.relative ? l.value * whole : l.value);
    x = len(e.centre.x, w) - vw / 2;
    y = len(e.centre.y, h) - vh / 2;
  } else {
    const [ax, ay] = e.anchor ?? ANCHORS.center;
    x = (w - vw) * ax;
    y = (h - vh) * ay;
  }
  return { x: Math.min(Math.max(0, x), w - vw), y: Math.min(Math.max(0, y), h - vh) };
}

/** The region of the still each frame shows, from the path's start to its end (zoom and position move linearly). */
export function* zoomPanRegions(z: ZoomPan, w: number, h: number): Generator<Rect> {
  const n = zoomPanFrames(z);
  const [a, b] = ends(z);
  const pa = place(a, a.zoom, w, h);
  const pb = place(b, b.zoom, w, h);
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    const zoom = a.zoom + (b.zoom - a.zoom) * t;
    const vw = w / zoom;
    const vh = h / zoom;
    // The top-left moves between the two ends' positions, scaled to this frame's view so both ends are met exactly.
    const x = Math.min(Math.max(0, pa.x + (pb.x - pa.x) * t), w - vw);
    const y = Math.min(Math.max(0, pa.y + (pb.y - pa.y) * t), h - vh);
    yield { x, y, width: vw, height: vh };
  }
}
