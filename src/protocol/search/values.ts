import { syntaxError } from './tokens';
import type { NumberField } from './fields';

/** Size units in byte values (`bytes>1mb`), binary as in Cloudinary's console. */
const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
/** `pixels<2mp`: megapixels. */
const PIXEL_UNITS: Record<string, number> = { mp: 1_000_000 };

/** A number value of a numeric field; `aspect_ratio` also takes `"4:3"`. */
export function parseNumber(field: NumberField, raw: string, pos: number): number {
  const ratio = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(raw);
  if (field === 'aspect_ratio' && ratio && Number(ratio[2]) > 0) return Number(ratio[1]) / Number(ratio[2]);
  const m = /^(-?\d+(?:\.\d+)?)([a-z]*)$/i.exec(raw);
  const units = field === 'bytes' ? BYTE_UNITS : field === 'pixels' ? PIXEL_UNITS : {};
  const unit = m?.[2].toLowerCase() ?? '';
  const scale = unit === '' ? 1 : units[unit];
  if (!m || scale === undefined) throw syntaxError(pos, `invalid number "${raw}" for ${field}`);
  return Number(m[1]) * scale;
}

/** Relative dates count back from now: `uploaded_at>1w` is "uploaded within the last week". */
const DURATION_SECONDS: Record<string, number> = { s: 1, h: 3600, d: 86400, w: 7 * 86400, m: 30 * 86400, y: 365 * 86400 };

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * A date value: relative (`1d`, `2w`, `3m`, `1y`, `12h`), a day (`2024-01-31`)
 * or a full timestamp (`2024-01-31T10:00:00Z`, quoted since it holds colons).
 * `day` is set when the value names a whole day, so `:` can match all of it.
 */
export function parseDate(raw: string, pos: number, now: number): { at: string; day?: string } {
  const rel = /^(\d+)([a-z])$/i.exec(raw);
  if (rel) {
    const unit = DURATION_SECONDS[rel[2].toLowerCase()];
    if (unit === undefined) throw syntaxError(pos, `invalid relative date "${raw}" (units: s, h, d, w, m, y)`);
    return { at: iso(now - Number(rel[1]) * unit * 1000) };
  }
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(raw);
  const ms = Date.parse(dayOnly ? `${raw}T00:00:00Z` : raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(ms)) throw syntaxError(pos, `invalid date "${raw}"`);
  return dayOnly ? { at: iso(ms), day: iso(ms + 86400_000) } : { at: iso(ms) };
}
