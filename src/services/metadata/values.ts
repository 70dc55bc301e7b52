import { badRequest } from '../../errors';
import type { FieldDefinition, Validation } from './definition';

/**
 * Values of structured metadata: checked against their field (type, datasource,
 * validation), stored as strings (one row per value of a set field), and
 * answered in the field's JSON type.
 */
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const invalid = (field: string, value: unknown, why: string) =>
  badRequest(`Metadata field ${field}: value ${JSON.stringify(value)} is invalid (${why})`);

function passes(v: Validation, value: number | string): boolean {
  switch (v.type) {
    case 'greater_than':
      return v.equals ? value >= v.value : value > v.value;
    case 'less_than':
      return v.equals ? value <= v.value : value < v.value;
    case 'strlen':
      return (v.min === undefined || String(value).length >= v.min) && (v.max === undefined || String(value).length <= v.max);
    case 'and':
      return v.rules.every((r) => passes(r, value));
  }
}

/** Accepts `x` or `["x"]` for one value, as SDKs send either. */
function scalar(raw: unknown): unknown {
  return Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
}

/** One field's value from a request (string or already-decoded JSON) as the strings stored for it. */
export function storedValues(def: FieldDefinition, raw: unknown): string[] {
  if (raw === '' || raw === null || (Array.isArray(raw) && !raw.length)) return [];
  const id = def.external_id;
  const check = (value: number | string) => {
    if (def.validation && !passes(def.validation, value)) throw invalid(id, value, 'fails the field validation');
  };
  const active = new Set((def.datasource?.values ?? []).filter((e) => e.state === 'active').map((e) => e.external_id));
  switch (def.type) {
    case 'string': {
      const v = scalar(raw);
      if (typeof v !== 'string' && typeof v !== 'number') throw invalid(id, raw, 'expected a string');
      check(String(v));
      return [String(v)];
    }
    case 'integer': {
      const v = scalar(raw);
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n)) throw invalid(id, raw, 'expected an integer');
      check(n);
      return [String(n)];
    }
    case 'date': {
      const v = scalar(raw);
      if (typeof v !== 'string' || !DAY.test(v) || Number.isNaN(Date.parse(v))) throw invalid(id, raw, 'expected a date as YYYY-MM-DD');
      check(v);
      return [v];
    }
    case 'enum': {
      const v = scalar(raw);
      if (typeof v !== 'string' || !active.has(v)) throw invalid(id, raw, 'not an active datasource external_id');
      return [v];
    }
    case 'set': {
      const list = Array.isArray(raw) ? raw : [raw];
      for (const v of list) if (typeof v !== 'string' || !active.has(v)) throw invalid(id, v, 'not an active datasource external_id');
      return [...new Set(list as string[])];
    }
  }
}

/** The stored strings of one field in the answer's JSON type. */
export function answerValue(def: FieldDefinition | undefined, stored: string[]): unknown {
  if (!def) return stored.length === 1 ? stored[0] : stored;
  if (def.type === 'set') return stored;
  if (def.type === 'integer') return Number(stored[0]);
  return stored[0];
}

/** A request's `metadata` value decoded: `k=v|k2=["a","b"]` items arrive as strings, JSON arrays decoded. */
export function decodeRequestValue(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const t = raw.trim();
  if (t.startsWith('[')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}
