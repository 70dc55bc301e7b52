import { badRequest } from '../errors';
import type { Color, Length } from './types';

/**
 * Value parsers shared by the registry entries. Each throws 400 with
 * Cloudinary's wording, "Invalid <name> in transformation: <value>".
 */
export const invalid = (name: string, raw: string) => badRequest(`Invalid ${name} in transformation: ${raw}`);

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)$/;

export function parseNumber(name: string, raw: string, min = -Infinity, max = Infinity): number {
  if (!NUMBER.test(raw)) throw invalid(name, raw);
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw invalid(name, raw);
  return n;
}

/** The canonical spelling of a number: JavaScript's shortest form (`2.0` -> `2`, `0.50` -> `0.5`). */
export const formatNumber = (n: number) => String(n);

/** Pixels when written as an integer, a fraction of the current size when written with a decimal point. */
export function parseLength(name: string, raw: string, opts: { allowNegative?: boolean } = {}): Length {
  const n = parseNumber(name, raw, opts.allowNegative ? -1e6 : 0, 1e6);
  const relative = raw.includes('.');
  if (!relative && !Number.isInteger(n)) throw invalid(name, raw);
  if (!opts.allowNegative && n === 0) throw invalid(name, raw);
  return { value: n, relative };
}

/** Relative lengths keep a decimal point so that `w_1.0` (100 %) and `w_1` (one pixel) stay apart. */
export const formatLength = (l: Length) => (l.relative && Number.isInteger(l.value) ? `${l.value}.0` : formatNumber(l.value));

/** `16:9`, `1.5` or `1`. */
export function parseRatio(name: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(raw);
  const n = m ? Number(m[1]) / Number(m[2]) : parseNumber(name, raw, 0);
  if (!Number.isFinite(n) || n <= 0 || n > 1000 || n < 0.001) throw invalid(name, raw);
  return n;
}

/** The CSS/SVG colour names Cloudinary accepts for `b_`/`co_` (the common subset). */
const NAMED_COLORS: Record<string, string> = {
  black: '000000',
  white: 'ffffff',
  red: 'ff0000',
  green: '008000',
  blue: '0000ff',
  yellow: 'ffff00',
  cyan: '00ffff',
  aqua: '00ffff',
  magenta: 'ff00ff',
  fuchsia: 'ff00ff',
  gray: '808080',
  grey: '808080',
  silver: 'c0c0c0',
  maroon: '800000',
  olive: '808000',
  lime: '00ff00',
  teal: '008080',
  navy: '000080',
  purple: '800080',
  orange: 'ffa500',
  pink: 'ffc0cb',
  brown: 'a52a2a',
  gold: 'ffd700',
  beige: 'f5f5dc',
  ivory: 'fffff0',
  khaki: 'f0e68c',
  lavender: 'e6e6fa',
  coral: 'ff7f50',
  salmon: 'fa8072',
  tomato: 'ff6347',
  violet: 'ee82ee',
  indigo: '4b0082',
  turquoise: '40e0d0',
  tan: 'd2b48c',
  chocolate: 'd2691e',
  crimson: 'dc143c',
  darkblue: '00008b',
  darkgreen: '006400',
  darkred: '8b0000',
  darkgray: 'a9a9a9',
  darkgrey: 'a9a9a9',
  lightgray: 'd3d3d3',
  lightgrey: 'd3d3d3',
  lightblue: 'add8e6',
  lightgreen: '90ee90',
  skyblue: '87ceeb',
  snow: 'fffafa',
  whitesmoke: 'f5f5f5',
  transparent: '00000000',
};

/** `red`, `rgb:ff0000`, `rgb:f00`, `rgb:ff000080` (with alpha), or the hex alone (`#` already became `rgb:` in the SDK). */
export function parseColor(name: string, raw: string): Color {
  const lower = raw.toLowerCase();
  const hex = lower.startsWith('rgb:') ? lower.slice(4) : lower.startsWith('#') ? lower.slice(1) : (NAMED_COLORS[lower] ?? lower);
  if (!/^([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.test(hex)) throw invalid(name, raw);
  const full = hex.length <= 4 ? [...hex].map((c) => c + c).join('') : hex;
  const byte = (i: number) => parseInt(full.slice(i, i + 2), 16);
  return { r: byte(0), g: byte(2), b: byte(4), a: full.length === 8 ? byte(6) : 255 };
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
export const formatColor = (c: Color) => `rgb:${hex2(c.r)}${hex2(c.g)}${hex2(c.b)}${c.a === 255 ? '' : hex2(c.a)}`;

export function parseEnum<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw invalid(name, raw);
  return raw as T;
}

/** Percent-decodes once; a malformed escape is the client's error. */
export function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw badRequest(`Malformed URL encoding: ${s}`);
  }
}
