import { badRequest } from '../../errors';
import type { ParamEntry } from '../registry-types';
import type { Pages } from '../types';
import { invalid } from '../values';

const MAX_PAGE = 100000;

/**
 * `pg_<n>`: which frame of an animated GIF or WebP a still is made of;
 * `pg_2-4;6;8-`: the frames an animation keeps (ranges and single frames
 * joined by `;`, a range without an end runs to the last frame).
 */
export const pg: ParamEntry<'pg'> = {
  key: 'pg',
  parse(raw): Pages {
    if (raw.startsWith('name:') || raw.startsWith('embedded:')) throw badRequest(`Named pages (pg_${raw}) are not supported`);
    if (/^\d+$/.test(raw)) return page(raw, raw);
    const ranges = raw.split(';').map((part) => {
      const m = /^(\d+)(?:-(\d*))?$/.exec(part);
      if (!m) throw invalid('page', raw);
      const from = page(m[1], raw);
      if (m[2] === undefined) return { from, to: from };
      const to = m[2] === '' ? undefined : page(m[2], raw);
      if (to !== undefined && to < from) throw invalid('page', raw);
      return to === undefined ? { from } : { from, to };
    });
    return { ranges };
  },
  canonical: (v) =>
    typeof v === 'number' ? String(v) : v.ranges.map((r) => (r.to === r.from ? `${r.from}` : `${r.from}-${r.to ?? ''}`)).join(';'),
  effect: 'geometry',
};

function page(text: string, raw: string): number {
  const n = Number(text);
  if (n < 1 || n > MAX_PAGE) throw invalid('page', raw);
  return n;
}

/** The frame a still is made of: the page itself, or the first of the ranges. */
export const firstPage = (p: Pages): number => (typeof p === 'number' ? p : Math.min(...p.ranges.map((r) => r.from)));

/** Whether frame `n` (1-based) is kept; `last` is the highest frame any range asks for (Infinity when one is open). */
export function pageSelector(p: Pages): { keeps(n: number): boolean; last: number } {
  const ranges = typeof p === 'number' ? [{ from: p, to: p }] : p.ranges;
  return {
    keeps: (n) => ranges.some((r) => n >= r.from && (r.to === undefined || n <= r.to)),
    last: Math.max(...ranges.map((r) => r.to ?? Infinity)),
  };
}
