import { badRequest } from '../../errors';

/**
 * The tokens of Cloudinary's search expression language
 * (https://cloudinary.com/documentation/search_expressions): words, quoted
 * strings, comparison operators, parentheses and range brackets. Each token
 * keeps its position (0-based character offset) so an error can name it.
 */
export type Token =
  | { t: 'word'; text: string; pos: number }
  | { t: 'quoted'; text: string; pos: number }
  | { t: 'op'; text: Operator; pos: number }
  | { t: 'punct'; text: '(' | ')' | '[' | ']' | '{' | '}'; pos: number }
  | { t: 'end'; pos: number };

export type Operator = ':' | '=' | '<' | '>' | '<=' | '>=';

/** The longest expression accepted: a bound on parser work per request. */
const MAX_EXPRESSION_LENGTH = 4096;

export const syntaxError = (pos: number, what: string) => badRequest(`Invalid search expression: ${what} at position ${pos}`);

const PUNCT = new Set(['(', ')', '[', ']', '{', '}']);
/** Characters that end an unquoted word (a backslash escapes any of them); an apostrophe inside a word is part of it. */
const WORD_END = /[\s()[\]{}":=<>]/;

export function tokenize(src: string): Token[] {
  if (src.length > MAX_EXPRESSION_LENGTH) throw badRequest(`Invalid search expression: longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) i++;
    else if (PUNCT.has(ch)) out.push({ t: 'punct', text: ch as '(', pos: i++ });
    else if (ch === '"' || ch === "'") i = quoted(src, i, out);
    else if (ch === ':' || ch === '=' || ch === '<' || ch === '>') i = operator(src, i, out);
    else i = word(src, i, out);
  }
  out.push({ t: 'end', pos: src.length });
  return out;
}

function quoted(src: string, start: number, out: Token[]): number {
  const q = src[start];
  let text = '';
  let i = start + 1;
  while (i < src.length && src[i] !== q) {
    if (src[i] === '\\' && i + 1 < src.length) i++;
    text += src[i++];
  }
  if (i >= src.length) throw syntaxError(start, 'unterminated quoted string');
  out.push({ t: 'quoted', text, pos: start });
  return i + 1;
}

/** `:`, `=`, `<`, `>`, `<=`, `>=`, and `:>` / `:<=` etc. (a colon before a comparison is the comparison). */
function operator(src: string, start: number, out: Token[]): number {
  let i = start;
  if (src[i] === ':' && /[<>]/.test(src[i + 1] ?? '')) i++;
  let text = src[i++];
  if ((text === '<' || text === '>') && src[i] === '=') text += src[i++];
  out.push({ t: 'op', text: text as Operator, pos: start });
  return i;
}

function word(src: string, start: number, out: Token[]): number {
  let text = '';
  let i = start;
  while (i < src.length && !WORD_END.test(src[i])) {
    if (src[i] === '\\' && i + 1 < src.length) i++;
    text += src[i++];
  }
  out.push({ t: 'word', text, pos: start });
  return i;
}
