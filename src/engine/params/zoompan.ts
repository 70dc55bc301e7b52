import { COMPASS, type Compass, type ZoomPan, type ZoomPanPoint } from '../types';
import { formatLength, formatNumber, invalid, parseLength, parseNumber } from '../values';

/** `mode_`: zoom in towards (`zt`) or out from (`of`) the centre or an edge. */
const ZOOMPAN_MODES = ['ztc', 'ztl', 'ztr', 'ztt', 'ztb', 'ofc', 'ofl', 'ofr', 'oft', 'ofb'] as const;

/**
 * `e_zoompan`'s options, `;`-separated `key_value` pairs, `from_`/`to_`
 * holding their own in parentheses: `mode_ofc;maxzoom_1.5;du_6;fps_15;from_(g_north_west;zoom_2)`.
 */
export function parseZoomPan(raw: string): ZoomPan {
  const z: ZoomPan = {};
  const fail = () => invalid('effect', `zoompan:${raw}`);
  for (const part of splitTop(raw, fail)) {
    const m = /^([a-z]+)_(.*)$/s.exec(part);
    if (!m) throw fail();
    const [, key, value] = m;
    if (key === 'mode' && (ZOOMPAN_MODES as readonly string[]).includes(value)) z.mode = value;
    else if (key === 'maxzoom') z.maxzoom = parseNumber('effect', value, 1, 10);
    else if (key === 'du') z.du = parseNumber('effect', value, 0.1, 60);
    else if (key === 'fps') z.fps = parseNumber('effect', value, 1, 60);
    else if ((key === 'from' || key === 'to') && /^\(.*\)$/s.test(value)) z[key] = parsePoint(value.slice(1, -1), fail);
    else throw fail();
  }
  return z;
}

/** Splits on `;` outside parentheses. */
function splitTop(raw: string, fail: () => Error): string[] {
  if (!raw) return [];
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '(') depth++;
    else if (raw[i] === ')' && --depth < 0) throw fail();
    else if (raw[i] === ';' && depth === 0) {
      parts.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  if (depth) throw fail();
  parts.push(raw.slice(start));
  return parts;
}

function parsePoint(raw: string, fail: () => Error): ZoomPanPoint {
  const p: ZoomPanPoint = {};
  for (const part of raw.split(';')) {
    const m = /^([a-z]+)_(.+)$/.exec(part);
    if (!m) throw fail();
    const [, key, value] = m;
    if (key === 'g' && (COMPASS as readonly string[]).includes(value)) p.gravity = value as Compass;
    else if (key === 'zoom') p.zoom = parseNumber('effect', value, 1, 10);
    else if (key === 'x' || key === 'y') p[key] = parseLength('effect', value);
    else throw fail();
  }
  return p;
}

const formatPoint = (p: ZoomPanPoint) =>
  [
    p.gravity ? `g_${p.gravity}` : '',
    p.x ? `x_${formatLength(p.x)}` : '',
    p.y ? `y_${formatLength(p.y)}` : '',
    p.zoom !== undefined ? `zoom_${formatNumber(p.zoom)}` : '',
  ]
    .filter(Boolean)
    .join(';');

/** The canonical spelling (fixed order), for the cache key. */
export function formatZoomPan(z: ZoomPan): string {
  return [
    z.mode ? `mode_${z.mode}` : '',
    z.maxzoom !== undefined ? `maxzoom_${formatNumber(z.maxzoom)}` : '',
    z.du !== undefined ? `du_${formatNumber(z.du)}` : '',
    z.fps !== undefined ? `fps_${formatNumber(z.fps)}` : '',
    z.from ? `from_(${formatPoint(z.from)})` : '',
    z.to ? `to_(${formatPoint(z.to)})` : '',
  ]
    .filter(Boolean)
    .join(';');
}
