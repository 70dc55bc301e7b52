import type { ParamEntry } from '../registry-types';
import { border, opacity, roundCorners } from '../pixels/shape';
import type { Radius } from '../types';
import { formatColor, formatNumber, invalid, parseColor, parseNumber } from '../values';

/** Consumed by `e_colorize` and by text overlays (the text colour). */
export const co: ParamEntry<'co'> = {
  key: 'co',
  parse: (raw) => parseColor('color', raw),
  canonical: formatColor,
  effect: 'geometry',
};

/**
 * `r_<px>`, `r_<a>:<b>[:<c>[:<d>]]` (CSS order: 2 values are top-left/bottom-right
 * and top-right/bottom-left, 3 values top-left, top-right/bottom-left, bottom-right), `r_max`.
 */
export const r: ParamEntry<'r'> = {
  key: 'r',
  parse(raw): Radius {
    if (raw === 'max') return { kind: 'max' };
    const v = raw.split(':').map((p) => (/^\d+$/.test(p) ? parseNumber('radius', p, 0, 100000) : NaN));
    if (v.some(Number.isNaN) || v.length > 4) throw invalid('radius', raw);
    const [a, b = a, c = a, d = b] = v;
    const corners: [number, number, number, number] = v.length === 2 ? [a, b, a, b] : v.length === 3 ? [a, b, c, b] : [a, b, c, d];
    return { kind: 'px', corners };
  },
  canonical(v) {
    if (v.kind === 'max') return 'max';
    const [a, b, c, d] = v.corners;
    if (a === b && b === c && c === d) return formatNumber(a);
    if (a === c && b === d) return `${a}:${b}`;
    if (b === d) return `${a}:${b}:${c}`;
    return v.corners.join(':');
  },
  effect: { order: 30, apply: (img, v) => roundCorners(img, v) },
};

/** `bo_<width>px_solid_<colour>` (the only style Cloudinary draws). */
export const bo: ParamEntry<'bo'> = {
  key: 'bo',
  parse(raw) {
    const m = /^(\d+)px_solid_(.+)$/.exec(raw);
    if (!m) throw invalid('border', raw);
    try {
      return { width: parseNumber('border', m[1], 1, 1000), color: parseColor('border', m[2]) };
    } catch {
      throw invalid('border', raw);
    }
  },
  canonical: (v) => `${v.width}px_solid_${formatColor(v.color)}`,
  effect: { order: 40, apply: (img, v, component) => border(img, v.width, v.color, component.r) },
};

/** `o_<0-100>`: the opacity of the component's result. */
export const o: ParamEntry<'o'> = {
  key: 'o',
  parse: (raw) => {
    if (!/^\d+(\.\d+)?$/.test(raw)) throw invalid('opacity', raw);
    return parseNumber('opacity', raw, 0, 100);
  },
  canonical: formatNumber,
  effect: { order: 50, apply: (img, v) => (v === 100 ? img : opacity(img, v)), pointwise: () => true },
};
