import { badRequest } from '../errors';
import { CSS_COLORS } from './css-colors';
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

/** `red`, `rgb:ff0000`, `rgb:f00`, `rgb:ff000080` (with alpha), or the hex alone (`#` already became `rgb:` in the SDK). */
export function parseColor(name: string, raw: string): Color {
  const lower = raw.toLowerCase();
  const hex = lower.startsWith('rgb:')
    ? lower.slice(4)
    : lower.startsWith('#')
      ? lower.slice(1)
      : Object.hasOwn(CSS_COLORS, lower)
        ? CSS_COLORS[lower]
        : lower;
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
