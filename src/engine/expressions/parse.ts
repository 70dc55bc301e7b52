import { badRequest } from '../../errors';
import { ARITHMETIC, COMPARISONS, LOGICAL, PREDEFINED, type Expr, type Operator, type Predefined } from './ast';

/**
 * Parses an expression as the SDKs write it (`iw_div_2`, `w_gt_1000_and_ar_lt_1.0`,
 * `!sale!_in_tags`, `ctx:!key!_eq_!value!`): operands and operators joined
 * with `_`. Precedence, loosest first: `or`, `and`, comparisons, `add`/`sub`,
 * `mul`/`div`/`mod`, `pow` (Cloudinary evaluates `and` before `or`).
 */
export const invalidExpression = (raw: string) => badRequest(`Invalid expression in transformation: ${raw}`);

type Token = { kind: 'operand'; expr: Expr } | { kind: 'operator'; op: Operator };

const OPERATORS = new Set<string>([...ARITHMETIC, ...COMPARISONS, ...LOGICAL]);
const PRECEDENCE: Record<Operator, number> = {
  or: 1,
  and: 2,
  eq: 3,
  ne: 3,
  lt: 3,
  gt: 3,
  lte: 3,
  gte: 3,
  in: 3,
  nin: 3,
  add: 4,
  sub: 4,
  mul: 5,
  div: 5,
  mod: 5,
  pow: 6,
};

/** One token at the start of `rest`: a quoted string, a lookup, a user variable, a number (or ratio) or a word. */
const TOKEN =
  /^(?:!(?<str>[^!]*)!|(?<src>ctx|md):!(?<key>[^!]*)!|\$(?<user>[a-zA-Z][a-zA-Z0-9]*)|(?<num>-?(?:\d+(?:\.\d+)?|\.\d+)(?::\d+(?:\.\d+)?)?)|(?<word>[a-z]+))/;

/** The longest expression accepted: a guard against pathological URLs. */
const MAX_LENGTH = 1000;

function tokenize(raw: string): Token[] {
  if (raw.length > MAX_LENGTH) throw invalidExpression(raw);
  const tokens: Token[] = [];
  let rest = raw;
  while (rest.length) {
    const m = TOKEN.exec(rest);
    if (!m?.groups) throw invalidExpression(raw);
    tokens.push(toToken(m.groups, raw));
    rest = rest.slice(m[0].length);
    if (rest.length) {
      if (rest[0] !== '_' || rest.length === 1) throw invalidExpression(raw);
      rest = rest.slice(1);
    }
  }
  return tokens;
}

function toToken(g: Record<string, string | undefined>, raw: string): Token {
  if (g.str !== undefined) return { kind: 'operand', expr: { kind: 'string', value: g.str } };
  if (g.src !== undefined) return { kind: 'operand', expr: { kind: 'lookup', source: g.src as 'ctx' | 'md', key: g.key ?? '' } };
  if (g.user !== undefined) return { kind: 'operand', expr: { kind: 'user', name: g.user } };
  if (g.num !== undefined) {
    const [a, b] = g.num.split(':').map(Number);
    const value = b === undefined ? a : a / b;
    if (!Number.isFinite(value)) throw invalidExpression(raw);
    return { kind: 'operand', expr: { kind: 'number', value } };
  }
  const word = g.word ?? '';
  if (OPERATORS.has(word)) return { kind: 'operator', op: word as Operator };
  if ((PREDEFINED as readonly string[]).includes(word)) return { kind: 'operand', expr: { kind: 'predefined', name: word as Predefined } };
  throw invalidExpression(raw);
}

export function parseExpression(raw: string): Expr {
  const tokens = tokenize(raw);
  let at = 0;
  const operand = (): Expr => {
    const t = tokens[at++];
    if (t?.kind !== 'operand') throw invalidExpression(raw);
    return t.expr;
  };
  const climb = (min: number): Expr => {
    let left = operand();
    for (;;) {
      const t = tokens[at];
      if (t?.kind !== 'operator' || PRECEDENCE[t.op] < min) return left;
      at++;
      // pow binds to the right; every other operator to the left.
      const right = climb(t.op === 'pow' ? PRECEDENCE[t.op] : PRECEDENCE[t.op] + 1);
      left = { kind: 'binary', op: t.op, left, right };
    }
  };
  const expr = climb(1);
  if (at !== tokens.length) throw invalidExpression(raw);
  return expr;
}

/** Whether a parameter value is an expression rather than a literal: it names a variable or applies an operator. */
function isExpression(expr: Expr): boolean {
  return expr.kind !== 'number' && expr.kind !== 'string';
}

/** The expression if `raw` parses as one that is more than a literal; undefined otherwise (the literal's own parser decides). */
export function tryExpression(raw: string): Expr | undefined {
  try {
    const expr = parseExpression(raw);
    return isExpression(expr) ? expr : undefined;
  } catch {
    return undefined;
  }
}
