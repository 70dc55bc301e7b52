import { badRequest } from '../../errors';
import type { Area } from '../types';
import type { Expr, Operator, Predefined } from './ast';

/**
 * Evaluates an expression against what is known of the image at that point of
 * the chain. Values are numbers, strings or lists of strings (`tags`);
 * comparisons and logical operators give 1 or 0.
 */
export type Value = number | string | string[];

/** What the asset itself says (from storage): tags, contextual and structured metadata, stored face rectangles. */
export interface AssetFacts {
  tags?: string[];
  context?: Record<string, string>;
  metadata?: Record<string, string>;
  faceCount?: number;
  /** Stored `custom_coordinates` and `face_coordinates`, in pixels of the upright original (for `g_custom`, `c_auto`). */
  custom?: Area[];
  faces?: Area[];
}

export interface Scope {
  /** The image entering the component. */
  width: number;
  height: number;
  initialWidth: number;
  initialHeight: number;
  pages: number;
  facts: AssetFacts;
  /** `$name` values set so far. */
  variables: Map<string, Value>;
}

const PREDEFINED: Record<Predefined, (s: Scope) => Value> = {
  w: (s) => s.width,
  h: (s) => s.height,
  ar: (s) => s.width / s.height,
  iw: (s) => s.initialWidth,
  ih: (s) => s.initialHeight,
  iar: (s) => s.initialWidth / s.initialHeight,
  pc: (s) => s.pages,
  fc: (s) => s.facts.faceCount ?? 0,
  cp: () => 1,
  tags: (s) => s.facts.tags ?? [],
};

const failed = (why: string) => badRequest(`Invalid expression in transformation: ${why}`);

function number(v: Value, op: string): number {
  if (typeof v === 'number') return v;
  // A string that holds a number (a context value, a string variable) compares and computes as one.
  if (typeof v === 'string' && /^-?(\d+(\.\d+)?|\.\d+)$/.test(v)) return Number(v);
  throw failed(`${op} needs numbers`);
}

const items = (v: Value): string[] => (Array.isArray(v) ? v : typeof v === 'string' ? v.split(':').filter(Boolean) : [String(v)]);
const truthy = (v: Value) => (Array.isArray(v) ? v.length > 0 : typeof v === 'string' ? v !== '' : v !== 0);
const bool = (b: boolean) => (b ? 1 : 0);

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) < 1e-9;
  if (Array.isArray(a) || Array.isArray(b)) return items(a).join(':') === items(b).join(':');
  if (typeof a === 'number' || typeof b === 'number') {
    const n = typeof a === 'number' ? b : a;
    return typeof n === 'string' && /^-?[\d.]+$/.test(n) && equal(Number(a), Number(b));
  }
  return a === b;
}

/** A numeric comparison; a value the asset does not have (an empty context entry) is never greater or less than anything. */
const ordered =
  (op: string, holds: (a: number, b: number) => boolean) =>
  (a: Value, b: Value): Value =>
    a === '' || b === '' ? 0 : bool(holds(number(a, op), number(b, op)));

const OPERATIONS: Record<Operator, (a: Value, b: Value) => Value> = {
  add: (a, b) => number(a, 'add') + number(b, 'add'),
  sub: (a, b) => number(a, 'sub') - number(b, 'sub'),
  mul: (a, b) => number(a, 'mul') * number(b, 'mul'),
  div: (a, b) => {
    const d = number(b, 'div');
    if (d === 0) throw failed('division by zero');
    return number(a, 'div') / d;
  },
  mod: (a, b) => {
    const d = number(b, 'mod');
    if (d === 0) throw failed('division by zero');
    return number(a, 'mod') % d;
  },
  pow: (a, b) => number(a, 'pow') ** number(b, 'pow'),
  eq: (a, b) => bool(equal(a, b)),
  ne: (a, b) => bool(!equal(a, b)),
  lt: ordered('lt', (a, b) => a < b),
  gt: ordered('gt', (a, b) => a > b),
  lte: ordered('lte', (a, b) => a <= b),
  gte: ordered('gte', (a, b) => a >= b),
  // `!a:b!_in_tags`: every listed item is among the right side's items.
  in: (a, b) => bool(items(a).every((x) => items(b).includes(x))),
  nin: (a, b) => bool(!items(a).every((x) => items(b).includes(x))),
  and: (a, b) => bool(truthy(a) && truthy(b)),
  or: (a, b) => bool(truthy(a) || truthy(b)),
};

export function evaluate(expr: Expr, scope: Scope): Value {
  switch (expr.kind) {
    case 'number':
    case 'string':
      return expr.value;
    case 'predefined':
      return PREDEFINED[expr.name](scope);
    case 'user': {
      const v = scope.variables.get(expr.name);
      if (v === undefined) throw failed(`variable $${expr.name} is not defined`);
      return v;
    }
    case 'lookup': {
      const from = expr.source === 'ctx' ? scope.facts.context : scope.facts.metadata;
      return from && Object.hasOwn(from, expr.key) ? from[expr.key] : '';
    }
    case 'binary': {
      const out = OPERATIONS[expr.op](evaluate(expr.left, scope), evaluate(expr.right, scope));
      if (typeof out === 'number' && !Number.isFinite(out)) throw failed(`${expr.op} gives no finite number`);
      return out;
    }
  }
}

export const isTrue = (expr: Expr, scope: Scope) => truthy(evaluate(expr, scope));

/** A value written into a parameter: numbers in their shortest form (at most 6 decimals), strings as they are. */
export function asParameterText(v: Value): string {
  if (typeof v === 'number') return String(Math.round(v * 1e6) / 1e6);
  return Array.isArray(v) ? v.join(':') : v;
}
