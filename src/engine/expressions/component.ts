import { badRequest } from '../../errors';
import { COMPARISONS, LOGICAL, type Dynamic, type Expr } from './ast';
import { invalidExpression, parseExpression, tryExpression } from './parse';

/**
 * The dynamic items of one component as the parser meets them: `if_`,
 * `$name_<value>`, `w_auto[...]`, and parameters whose value is an expression.
 */
export const emptyDynamic = (): Dynamic => ({ assignments: [], deferred: [] });

export const hasDynamic = (d: Dynamic) =>
  d.condition !== undefined || d.branch !== undefined || d.assignments.length > 0 || d.deferred.length > 0 || d.autoWidth !== undefined;

/** Parameters that take an expression as their whole value (Cloudinary's `normalize_expression` list for images). */
const EXPRESSION_KEYS = new Set(['w', 'h', 'x', 'y', 'ar', 'z', 'o', 'a', 'q', 'dpr', 'r']);

/** A comparison or a logical operation is a condition (`if_`), not a parameter's value. */
const isCondition = (e: Expr) =>
  e.kind === 'binary' && ((COMPARISONS as readonly string[]).includes(e.op) || (LOGICAL as readonly string[]).includes(e.op));

/** `if_<condition>`, `if_else`, `if_end`. */
export function readCondition(d: Dynamic, raw: string): void {
  if (d.condition || d.branch) throw badRequest(`Invalid transformation component: more than one if_ (${raw})`);
  if (raw === 'else' || raw === 'end') d.branch = raw;
  else d.condition = parseExpression(raw);
}

/** `$name_<value>`: a number, a string (`!text!`) or an expression of earlier variables and the image's own. */
export function readAssignment(d: Dynamic, key: string, raw: string): void {
  const name = key.slice(1);
  if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) throw badRequest(`Invalid variable name in transformation: ${key}`);
  if (raw === '') throw invalidExpression(`${key}_`);
  d.assignments.push({ name, value: parseExpression(raw) });
}

/** `w_auto`, `w_auto:<step>`, `w_auto:<step>:<fallback width>`. */
export function readAutoWidth(d: Dynamic, raw: string): void {
  const m = /^auto(?::(\d+))?(?::(\d+))?$/.exec(raw);
  if (!m) throw badRequest(`Automatic width (${raw}) is not supported: use w_auto, w_auto:<step> or w_auto:<step>:<fallback>`);
  const step = m[1] === undefined ? DEFAULT_STEP : Number(m[1]);
  if (step < 1 || step > 10000) throw badRequest(`Invalid width in transformation: ${raw}`);
  const fallback = m[2] === undefined ? undefined : Number(m[2]);
  if (fallback !== undefined && (fallback < 1 || fallback > 100000)) throw badRequest(`Invalid width in transformation: ${raw}`);
  d.autoWidth = { step, fallback };
}

/** Cloudinary rounds an automatic width up to a multiple of 100 pixels unless the URL names another step. */
const DEFAULT_STEP = 100;

/**
 * A parameter's value as an expression, when its literal parser refused it:
 * the whole value for the expression keys, each `:`-separated argument for
 * effects (`e_blur:$amount`). Undefined when nothing in it is an expression.
 */
export function readDeferred(d: Dynamic, key: string, raw: string): boolean {
  let parts: (string | Expr)[] | undefined;
  if (EXPRESSION_KEYS.has(key)) {
    const expr = tryExpression(raw);
    if (expr && isCondition(expr)) throw invalidExpression(raw);
    parts = expr && [expr];
  } else if (key === 'e') {
    const [name, ...args] = raw.split(':');
    const parsed = args.map((a) => tryExpression(a) ?? a);
    if (parsed.some((p) => typeof p !== 'string' && isCondition(p))) throw invalidExpression(raw);
    if (parsed.some((p) => typeof p !== 'string')) parts = [name, ...parsed];
  }
  if (!parts) return false;
  d.deferred.push({ key, parts });
  return true;
}
