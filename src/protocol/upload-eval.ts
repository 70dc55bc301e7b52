import { badRequest } from '../errors';

/**
 * Cloudinary's `eval` upload option runs JavaScript against `resource_info`
 * (what the file turned out to be) and `upload_options` (the call's
 * parameters, which the code may change). A Worker must not run JavaScript it
 * was sent (no eval(), no new Function), so this is a small interpreter for
 * the forms Cloudinary documents: assignments to `upload_options.<name>` or
 * `upload_options['<name>']`, `if (...) {...} else {...}`, comparisons,
 * `&&`, `||`, `!`, arithmetic (`+` also joins strings), literals (numbers, strings, booleans, null,
 * arrays) and reads of `resource_info.<path>` and `upload_options.<name>`.
 * There are no loops, calls or functions, so a script runs in time linear in
 * its length. Anything else is a 400 naming the position.
 */

export type EvalValue = string | number | boolean | null | EvalValue[] | { [k: string]: EvalValue };

const MAX_SCRIPT = 4096;
const MAX_DEPTH = 32;

type Token =
  | { kind: 'num'; value: number; at: number }
  | { kind: 'str'; value: string; at: number }
  | { kind: 'id' | 'op'; value: string; at: number };

// Longest first, so `===` is not read as `==` then `=`.
const OPERATORS = '=== !== == != <= >= && || < > = ! + - * / % ( ) { } [ ] . , ;'.split(' ');

function fail(message: string, at: number): never {
  throw badRequest(`Invalid eval: ${message} at position ${at}`);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
      if (!m) fail('bad number', i);
      out.push({ kind: 'num', value: Number(m[0]), at: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$]/.test(ch)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
      out.push({ kind: 'id', value: m![0], at: i });
      i += m![0].length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== ch) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        s += src[j++];
      }
      if (j >= src.length) fail('unterminated string', i);
      out.push({ kind: 'str', value: s, at: i });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) fail(`unexpected character ${JSON.stringify(ch)}`, i);
    out.push({ kind: 'op', value: op, at: i });
    i += op.length;
  }
  return out;
}

/** What a script may change, and what `resource_info` holds while it runs. */
export interface EvalScope {
  resourceInfo: Record<string, EvalValue>;
  uploadOptions: Record<string, EvalValue>;
  /** The upload_options keys a script may assign. */
  assignable: readonly string[];
}

/** Runs a script, answering the upload_options it assigned (only those). */
export function runEval(src: string, scope: EvalScope): Record<string, EvalValue> {
  if (src.length > MAX_SCRIPT) throw badRequest(`Invalid eval: longer than ${MAX_SCRIPT} characters`);
  const toks = tokenize(src);
  const assigned: Record<string, EvalValue> = {};
  let p = 0;
  let depth = 0;

  const peek = (v?: string) => (p < toks.length && (v === undefined || (toks[p].kind === 'op' && toks[p].value === v)) ? toks[p] : null);
  const at = () => (p < toks.length ? toks[p].at : src.length);
  const expect = (v: string) => {
    if (!peek(v)) fail(`expected ${v}`, at());
    p++;
  };
  const isWord = (w: string) => p < toks.length && toks[p].kind === 'id' && toks[p].value === w;
  const nest = <T>(f: () => T): T => {
    if (++depth > MAX_DEPTH) fail('nested too deeply', at());
    try {
      return f();
    } finally {
      depth--;
    }
  };

  /** `.name` or `['name']` after a root; answers the key. */
  function member(): string | null {
    if (peek('.')) {
      p++;
      const t = toks[p];
      if (!t || t.kind !== 'id') fail('expected a name', at());
      p++;
      return t.value;
    }
    if (peek('[')) {
      p++;
      const t = toks[p];
      if (!t || (t.kind !== 'str' && t.kind !== 'num')) fail('expected a quoted name or an index', at());
      p++;
      expect(']');
      return String(t.value);
    }
    return null;
  }

  function read(root: EvalValue, run: boolean): EvalValue {
    let v: EvalValue = root;
    for (let k = member(); k !== null; k = member()) {
      if (!run) continue;
      if (Array.isArray(v)) v = /^\d+$/.test(k) ? (v[Number(k)] ?? null) : k === 'length' ? v.length : null;
      else if (v !== null && typeof v === 'object') v = Object.hasOwn(v, k) ? v[k] : null;
      else if (typeof v === 'string' && k === 'length') v = v.length;
      else v = null;
    }
    return v;
  }

  function primary(run: boolean): EvalValue {
    const t = toks[p];
    if (!t) fail('unexpected end', src.length);
    if (t.kind === 'num' || t.kind === 'str') {
      p++;
      return t.value;
    }
    if (t.kind === 'op' && t.value === '(') {
      p++;
      const v = nest(() => expr(run));
      expect(')');
      return v;
    }
    if (t.kind === 'op' && t.value === '[') {
      p++;
      const items: EvalValue[] = [];
      while (!peek(']')) {
        items.push(nest(() => expr(run)));
        if (!peek(']')) expect(',');
      }
      p++;
      return items;
    }
    if (t.kind === 'id') {
      p++;
      if (t.value === 'true' || t.value === 'false') return t.value === 'true';
      if (t.value === 'null' || t.value === 'undefined') return null;
      if (t.value === 'resource_info') return read(scope.resourceInfo, run);
      if (t.value === 'upload_options') return read({ ...scope.uploadOptions, ...assigned }, run);
      fail(`unknown name ${t.value} (only resource_info and upload_options)`, t.at);
    }
    fail(`unexpected ${t.value}`, t.at);
  }

  function unary(run: boolean): EvalValue {
    if (peek('!')) {
      p++;
      return !truthy(nest(() => unary(run)));
    }
    if (peek('-')) {
      p++;
      return -num(nest(() => unary(run)));
    }
    return primary(run);
  }

  function multiplicative(run: boolean): EvalValue {
    let v = unary(run);
    while (peek('*') || peek('/') || peek('%')) {
      const op = toks[p++].value;
      const r = unary(run);
      if (!run) continue;
      v = op === '*' ? num(v) * num(r) : op === '/' ? num(v) / num(r) : num(v) % num(r);
    }
    return v;
  }

  function additive(run: boolean): EvalValue {
    let v = multiplicative(run);
    while (peek('+') || peek('-')) {
      const op = toks[p++].value;
      const r = multiplicative(run);
      if (!run) continue;
      v =
        op === '+' && (typeof v === 'string' || typeof r === 'string') ? text(v) + text(r) : op === '+' ? num(v) + num(r) : num(v) - num(r);
    }
    return v;
  }

  function comparison(run: boolean): EvalValue {
    const l = additive(run);
    const t = toks[p];
    if (!t || t.kind !== 'op' || !['===', '!==', '==', '!=', '<=', '>=', '<', '>'].includes(t.value)) return l;
    p++;
    const r = additive(run);
    if (!run) return false;
    switch (t.value) {
      case '===':
      case '==':
        return same(l, r);
      case '!==':
      case '!=':
        return !same(l, r);
      default:
        return order(t.value, l, r);
    }
  }

  function and(run: boolean): EvalValue {
    let v = comparison(run);
    while (peek('&&')) {
      p++;
      const go = run && truthy(v);
      const r = comparison(go);
      if (go) v = r;
    }
    return v;
  }

  function expr(run: boolean): EvalValue {
    let v = and(run);
    while (peek('||')) {
      p++;
      const go = run && !truthy(v);
      const r = and(go);
      if (go) v = r;
    }
    return v;
  }

  function assignment(run: boolean) {
    const t = toks[p];
    if (!t || t.kind !== 'id' || t.value !== 'upload_options') fail('expected an assignment to upload_options', at());
    p++;
    const keyAt = at();
    const key = member();
    if (key === null) fail('expected upload_options.<name>', keyAt);
    if (peek('.') || peek('[')) fail('only upload_options.<name> can be assigned', at());
    if (!scope.assignable.includes(key)) fail(`upload_options.${key} cannot be set by eval (${scope.assignable.join(', ')} can)`, keyAt);
    expect('=');
    const v = expr(run);
    if (run) assigned[key] = v;
  }

  function block(run: boolean) {
    if (peek('{')) {
      p++;
      while (!peek('}')) {
        if (p >= toks.length) fail('expected }', src.length);
        statement(run);
      }
      p++;
    } else statement(run);
  }

  function statement(run: boolean) {
    if (peek(';')) {
      p++;
      return;
    }
    if (isWord('if')) {
      p++;
      expect('(');
      const cond = truthy(nest(() => expr(run)));
      expect(')');
      nest(() => block(run && cond));
      if (isWord('else')) {
        p++;
        nest(() => block(run && !cond));
      }
      return;
    }
    assignment(run);
    if (p < toks.length && !peek(';') && !peek('}')) fail('expected ;', at());
  }

  while (p < toks.length) statement(true);
  return assigned;
}

function truthy(v: EvalValue): boolean {
  if (Array.isArray(v) || (v !== null && typeof v === 'object')) return true;
  return !!v;
}

function num(v: EvalValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return v === null ? 0 : NaN;
}

function text(v: EvalValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.map(text).join(',');
  return typeof v === 'object' ? '[object Object]' : String(v);
}

function same(a: EvalValue, b: EvalValue): boolean {
  if (typeof a === 'number' || typeof b === 'number') return num(a) === num(b);
  return a === b;
}

function order(op: string, a: EvalValue, b: EvalValue): boolean {
  const strings = typeof a === 'string' && typeof b === 'string';
  const x = strings ? a : num(a);
  const y = strings ? b : num(b);
  if (op === '<') return x < y;
  if (op === '>') return x > y;
  if (op === '<=') return x <= y;
  return x >= y;
}
