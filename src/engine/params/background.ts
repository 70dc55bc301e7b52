import type { ParamEntry } from '../registry-types';
import type { AutoBackground, Background } from '../types';
import { formatColor, formatNumber, invalid, parseColor, parseNumber } from '../values';

/**
 * `b_`: a colour (pads, rotations by odd angles, flattening alpha onto an
 * opaque format), or for pads `b_auto[...]` and `b_blurred[...]`
 * (see pixels/pad.ts). Consumed by the geometry step.
 */
const AUTO_MODE = /^(border|predominant)(_gradient)?(_contrast)?$/;
const DIRECTIONS = ['horizontal', 'vertical', 'diagonal_desc', 'diagonal_asc'] as const;

function parseAuto(raw: string): AutoBackground {
  const [, mode = 'border', ...rest] = raw.split(':');
  const m = AUTO_MODE.exec(mode);
  if (!m) throw invalid('background', raw);
  const bg: AutoBackground = { kind: 'auto', source: m[1] as AutoBackground['source'], contrast: !!m[3] };
  if (m[2]) bg.gradient = { colors: 2, direction: 'horizontal' };
  for (const part of rest) {
    if ((part === '2' || part === '4') && bg.gradient) bg.gradient.colors = Number(part) as 2 | 4;
    else if ((DIRECTIONS as readonly string[]).includes(part) && bg.gradient) bg.gradient.direction = part as (typeof DIRECTIONS)[number];
    else if (part.startsWith('palette_'))
      bg.palette = part
        .slice(8)
        .split('_')
        .map((c) => parseColor('background', c));
    else throw invalid('background', raw);
  }
  return bg;
}

function parseBlurred(raw: string): Background {
  const [, intensity, level, ...more] = raw.split(':');
  if (more.length) throw invalid('background', raw);
  return {
    kind: 'blurred',
    intensity: intensity ? parseNumber('background', intensity, 1, 2000) : 100,
    brightness: level ? parseNumber('background', level, -300, 100) : 0,
  };
}

function formatAuto(v: AutoBackground): string {
  const parts = [`auto:${v.source}${v.gradient ? '_gradient' : ''}${v.contrast ? '_contrast' : ''}`];
  if (v.gradient) parts.push(String(v.gradient.colors), v.gradient.direction);
  if (v.palette) parts.push(`palette_${v.palette.map(formatColor).join('_')}`);
  return parts.join(':');
}

export const b: ParamEntry<'b'> = {
  key: 'b',
  parse(raw) {
    if (raw === 'auto' || raw.startsWith('auto:')) return parseAuto(raw);
    if (raw === 'blurred' || raw.startsWith('blurred:')) return parseBlurred(raw);
    return parseColor('background', raw);
  },
  canonical(v) {
    if (!('kind' in v)) return formatColor(v);
    if (v.kind === 'auto') return formatAuto(v);
    return `blurred:${formatNumber(v.intensity)}:${formatNumber(v.brightness)}`;
  },
  effect: 'geometry',
};
