import { badRequest } from '../../errors';
import type { Params } from '../params';
import type { Field } from './fields';
import { parseExpression } from './parser';
import type { Predicate, SearchNode, TextMatch } from './ast';

/**
 * `search_folders` (`POST folders/search`): the expression language over
 * folders, whose fields are `name` (the last segment), `path` and
 * `created_at`. A folder is read as an asset whose public id is its path, so
 * the parser and its checks are the assets' own.
 */
const FOLDER_FIELDS: Record<string, Field> = {
  name: { kind: 'text', name: 'filename' },
  path: { kind: 'text', name: 'public_id' },
  created_at: { kind: 'date', name: 'created_at' },
};

export interface FolderSearch {
  expression: SearchNode;
  sort: { field: 'name' | 'path' | 'created_at'; dir: 'asc' | 'desc' };
  maxResults: number;
  offset: number;
}

export interface FolderRecord {
  name: string;
  path: string;
  created_at: string;
}

function sortObject(raw: string): Record<string, unknown> {
  if (!raw.startsWith('{')) return { [raw]: 'asc' };
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw badRequest(`Invalid sort_by ${raw}`);
  }
}

export function parseFolderSearch(p: Params, now = Date.now()): FolderSearch {
  const expression = parseExpression(p.string('expression') ?? '', now, (name) => FOLDER_FIELDS[name] ?? null);
  const max = p.int('max_results') ?? 50;
  if (max < 1 || max > 500) throw badRequest(`Invalid max_results ${max} (1 to 500)`);
  const rawSort = p.list('sort_by')[0];
  let sort: FolderSearch['sort'] = { field: 'path', dir: 'asc' };
  if (rawSort) {
    const [field, dir] = Object.entries(sortObject(rawSort))[0] ?? [];
    if (!['name', 'path', 'created_at'].includes(String(field)) || (dir !== 'asc' && dir !== 'desc'))
      throw badRequest(`Invalid sort_by ${rawSort}`);
    sort = { field: field as FolderSearch['sort']['field'], dir };
  }
  const cursor = p.string('next_cursor');
  const offset = cursor ? Number(cursor) : 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw badRequest(`Invalid next_cursor ${cursor}`);
  return { expression, sort, maxResults: max, offset };
}

const globRegex = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  );

function matches(value: string, m: TextMatch): boolean {
  switch (m.how) {
    case 'any':
      return value !== '';
    case 'exact':
      return value === m.value;
    case 'prefix':
      return value.startsWith(m.value);
    case 'contains':
      return value.toLowerCase().includes(m.value.toLowerCase());
    case 'glob':
      return globRegex(m.value).test(value);
  }
}

const COMPARE = {
  '=': (a: string, b: string) => a === b,
  '<': (a: string, b: string) => a < b,
  '>': (a: string, b: string) => a > b,
  '<=': (a: string, b: string) => a <= b,
  '>=': (a: string, b: string) => a >= b,
};

function holds(p: Predicate, f: FolderRecord): boolean {
  if (p.kind === 'text') return matches(p.field === 'filename' ? f.name : f.path, p.match);
  if (p.kind === 'date') return COMPARE[p.op](f.created_at, p.value);
  if (p.kind === 'free') return matches(f.path, { how: 'contains', value: p.value });
  return false;
}

/** Whether a folder satisfies the expression. */
export function folderMatches(node: SearchNode, f: FolderRecord): boolean {
  switch (node.kind) {
    case 'all':
      return true;
    case 'pred':
      return holds(node.pred, f);
    case 'not':
      return !folderMatches(node.item, f);
    case 'and':
      return node.items.every((n) => folderMatches(n, f));
    case 'or':
      return node.items.some((n) => folderMatches(n, f));
  }
}
