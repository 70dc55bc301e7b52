import { syntaxError, tokenize, type Operator, type Token } from './tokens';
import { fieldNamed, type Field } from './fields';
import { parseDate, parseNumber } from './values';
import type { Comparison, Predicate, SearchNode, TextMatch } from './ast';

/**
 * Cloudinary's search expression language parsed into a typed tree:
 *
 *   expr    := and (OR and)*
 *   and     := unary ((AND)? unary)*          juxtaposition is AND
 *   unary   := (NOT | '-') unary | primary
 *   primary := '(' expr ')' | field op value | field ':' range | field ':' '(' values ')' | value
 *   range   := ('[' | '{') value TO value (']' | '}')     '*' leaves an end open
 *
 * Field names, operators and values are checked here, so the storage layer
 * compiles only well-formed predicates; every error names its position.
 */
export function parseExpression(src: string, now = Date.now(), fields: (name: string) => Field | null = fieldNamed): SearchNode {
  const p = new Parser(tokenize(src), now, fields);
  if (p.peek().t === 'end') return { kind: 'all' };
  const node = p.expr(null);
  const rest = p.peek();
  if (rest.t !== 'end') throw syntaxError(rest.pos, `unexpected "${'text' in rest ? rest.text : ''}"`);
  return node;
}

/** Nesting deeper than this is refused: the compiled SQL would be too. */
const MAX_DEPTH = 32;
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'TO', '&&', '||']);

interface Bound {
  field: Field;
  pos: number;
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly now: number,
    private readonly fieldNamed: (name: string) => Field | null,
  ) {}

  peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private isWord(tok: Token, ...words: string[]): boolean {
    return tok.t === 'word' && words.includes(tok.text);
  }

  /** `bound`: inside `field:( ... )`, bare values belong to that field. */
  expr(bound: Bound | null): SearchNode {
    const items = [this.and(bound)];
    while (this.isWord(this.peek(), 'OR', '||')) {
      this.next();
      items.push(this.and(bound));
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  private and(bound: Bound | null): SearchNode {
    const items = [this.unary(bound)];
    for (;;) {
      const tok = this.peek();
      if (tok.t === 'end' || (tok.t === 'punct' && tok.text === ')') || this.isWord(tok, 'OR', '||')) break;
      if (this.isWord(tok, 'AND', '&&')) this.next();
      items.push(this.unary(bound));
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  private unary(bound: Bound | null): SearchNode {
    const tok = this.peek();
    if (this.isWord(tok, 'NOT')) {
      this.next();
      return { kind: 'not', item: this.unary(bound) };
    }
    if (tok.t === 'word' && tok.text.length > 1 && tok.text.startsWith('-')) {
      // `-tags:x` negates; the rest of the word is read as a term of its own.
      this.tokens[this.i] = { t: 'word', text: tok.text.slice(1), pos: tok.pos + 1 };
      return { kind: 'not', item: this.unary(bound) };
    }
    return this.primary(bound);
  }

  private primary(bound: Bound | null): SearchNode {
    const tok = this.next();
    if (tok.t === 'punct' && tok.text === '(') return this.group(bound, tok.pos);
    if (tok.t === 'end') throw syntaxError(tok.pos, 'unexpected end of expression');
    if (tok.t === 'punct' || tok.t === 'op') throw syntaxError(tok.pos, `unexpected "${tok.text}"`);
    if (tok.t === 'word' && KEYWORDS.has(tok.text)) throw syntaxError(tok.pos, `unexpected ${tok.text}`);
    const op = this.peek();
    if (tok.t === 'word' && op.t === 'op') {
      if (bound) throw syntaxError(tok.pos, 'a field inside a field group');
      this.next();
      const field = this.fieldNamed(tok.text);
      if (!field) throw syntaxError(tok.pos, `unknown field "${tok.text}"`);
      return this.clause({ field, pos: tok.pos }, op.text);
    }
    if (bound) return this.value(bound, ':', tok);
    return this.leaf({ kind: 'free', value: tok.text });
  }

  private group(bound: Bound | null, pos: number): SearchNode {
    if (++this.depth > MAX_DEPTH) throw syntaxError(pos, 'parentheses nested too deeply');
    const node = this.expr(bound);
    const close = this.next();
    if (close.t !== 'punct' || close.text !== ')') throw syntaxError(close.pos, 'expected ")"');
    this.depth--;
    return node;
  }

  private leaf(pred: Predicate): SearchNode {
    return { kind: 'pred', pred };
  }

  /** After `field op`: a value, a range, or a parenthesised group of values. */
  private clause(b: Bound, op: Operator): SearchNode {
    const tok = this.next();
    if (tok.t === 'punct' && (tok.text === '[' || tok.text === '{') && op === ':') return this.range(b, tok.text === '[');
    if (tok.t === 'punct' && tok.text === '(' && (op === ':' || op === '=')) return this.group(b, tok.pos);
    if (tok.t !== 'word' && tok.t !== 'quoted') throw syntaxError(tok.pos, `expected a value for ${describe(b.field)}`);
    return this.value(b, op, tok);
  }

  private range(b: Bound, inclusiveLow: boolean): SearchNode {
    const low = this.next();
    if (!this.isWord(this.next(), 'TO')) throw syntaxError(low.pos, 'expected "<from> TO <to>" in a range');
    const high = this.next();
    const close = this.next();
    const closes = close.t === 'punct' && (close.text === ']' || close.text === '}');
    if (!closes) throw syntaxError(close.pos, 'expected "]" or "}" to close the range');
    const inclusiveHigh = close.text === ']';
    const items: SearchNode[] = [];
    for (const [tok, op] of [
      [low, inclusiveLow ? '>=' : '>'],
      [high, inclusiveHigh ? '<=' : '<'],
    ] as const) {
      if (tok.t !== 'word' && tok.t !== 'quoted') throw syntaxError(tok.pos, 'expected a value in the range');
      if (tok.t === 'word' && tok.text === '*') continue;
      items.push(this.value(b, op, tok));
    }
    if (!items.length) return this.value(b, ':', { t: 'word', text: '*', pos: low.pos });
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  /** One value of a field, typed by the field's kind. */
  private value(b: Bound, op: Operator, tok: Token & { text: string }): SearchNode {
    if (b.field.kind === 'date') return this.date(b.field.name, comparison(op), op, tok);
    return this.leaf(this.predicate(b, op, tok));
  }

  private predicate(b: Bound, op: Operator, tok: Token & { text: string }): Predicate {
    const f = b.field;
    const cmp = comparison(op);
    const literal = tok.t === 'quoted';
    switch (f.kind) {
      case 'number':
        return { kind: 'number', field: f.name, op: cmp, value: parseNumber(f.name, tok.text, tok.pos) };
      case 'metadata':
        if (op === ':' || op === '=') return { kind: 'metadata', key: f.key, match: textMatch(tok.text, literal, 'exact') };
        return { kind: 'metadata_compare', key: f.key, op: cmp, value: /^-?\d+(\.\d+)?$/.test(tok.text) ? Number(tok.text) : tok.text };
      default:
        break;
    }
    if (op !== ':' && op !== '=') throw syntaxError(tok.pos, `${describe(f)} does not support "${op}"`);
    const colon = op === ':';
    switch (f.kind) {
      case 'text':
        return {
          kind: 'text',
          field: f.name,
          match: textMatch(tok.text, literal, colon && f.name !== 'asset_folder' ? 'contains' : 'exact'),
        };
      case 'keyword':
        return { kind: 'keyword', field: f.name, match: textMatch(tok.text, literal, 'exact') };
      case 'tag':
        return { kind: 'tag', match: textMatch(tok.text, literal, 'exact') };
      case 'folder':
        return { kind: 'folder', match: textMatch(tok.text.replace(/^\/+|\/+$/g, ''), literal, 'exact') };
      case 'context':
        return { kind: 'context', key: f.key, match: textMatch(tok.text, literal, 'exact') };
      case 'date':
        throw syntaxError(tok.pos, 'dates are read by date()');
    }
  }

  private date(field: 'created_at' | 'uploaded_at', cmp: Comparison, op: Operator, tok: Token & { text: string }): SearchNode {
    const d = parseDate(tok.text, tok.pos, this.now);
    if ((op === ':' || op === '=') && d.day) {
      // A whole day: from its midnight up to the next one.
      return {
        kind: 'and',
        items: [this.leaf({ kind: 'date', field, op: '>=', value: d.at }), this.leaf({ kind: 'date', field, op: '<', value: d.day })],
      };
    }
    return this.leaf({ kind: 'date', field, op: cmp, value: d.at });
  }
}

const comparison = (op: Operator): Comparison => (op === ':' ? '=' : op);

/** `*` alone: present; `abc*`: prefix; other `*`/`?`: pattern; quoted: literal. */
function textMatch(value: string, literal: boolean, plain: 'exact' | 'contains'): TextMatch {
  if (literal) return { how: plain, value };
  if (value === '*') return { how: 'any' };
  const star = value.indexOf('*');
  if (star === value.length - 1 && !value.includes('?')) return { how: 'prefix', value: value.slice(0, -1) };
  if (star >= 0 || value.includes('?')) return { how: 'glob', value };
  return { how: plain, value };
}

function describe(f: Field): string {
  switch (f.kind) {
    case 'context':
      return `context.${f.key}`;
    case 'metadata':
      return `metadata.${f.key}`;
    case 'tag':
      return 'tags';
    case 'folder':
      return 'folder';
    default:
      return f.name;
  }
}
