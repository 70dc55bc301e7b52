import type { Predicate, SearchNode, TextMatch } from '../protocol/search/ast';
import type { NumberField, SortField } from '../protocol/search/fields';

/** A piece of SQL and the values bound to its `?`s, in order. */
export interface Sql {
  sql: string;
  binds: unknown[];
}

/** Which column holds the folder of an asset: the public id's path (fixed mode) or `asset_folder` (dynamic). */
export type FolderMode = 'fixed' | 'dynamic';

/** The last character there is: `p || MAX_CHAR` bounds every string that starts with `p`. */
const MAX_CHAR = '\u{10FFFF}';

/** Columns and expressions over `resources r`, never null so that comparisons and keysets are total. */
const TEXT_COLUMNS = {
  public_id: 'r.public_id',
  display_name: 'coalesce(r.display_name, r.public_id)',
  /** The last segment of the public id. */
  filename: "substr(r.public_id, length(rtrim(r.public_id, replace(r.public_id, '/', ''))) + 1)",
  asset_folder: 'r.asset_folder',
} as const;
const KEYWORD_COLUMNS = {
  resource_type: 'r.resource_type',
  type: 'r.type',
  format: "coalesce(r.format, '')",
  access_mode: 'r.access_mode',
  moderation_status: "coalesce(r.moderation_status, '')",
  moderation_kind: "coalesce(r.moderation_kind, '')",
  asset_id: 'r.asset_id',
} as const;
/** Conditions use the bare columns (indexable; files without dimensions match no width or height condition). */
const NUMBER_COLUMNS: Record<NumberField, string> = {
  bytes: 'r.bytes',
  width: 'r.width',
  height: 'r.height',
  pixels: 'coalesce(r.width, 0) * coalesce(r.height, 0)',
  aspect_ratio: 'CASE WHEN r.height > 0 THEN r.width * 1.0 / r.height ELSE 0 END',
};
/** Both dates are the upload time of the current version: `created_at` in every answer is that time too. */
const DATE_COLUMNS = { created_at: 'r.uploaded_at', uploaded_at: 'r.uploaded_at' } as const;

export const SORT_COLUMNS: Record<SortField, string> = {
  ...TEXT_COLUMNS,
  ...NUMBER_COLUMNS,
  width: 'coalesce(r.width, 0)',
  height: 'coalesce(r.height, 0)',
  ...DATE_COLUMNS,
  format: KEYWORD_COLUMNS.format,
  resource_type: KEYWORD_COLUMNS.resource_type,
  type: KEYWORD_COLUMNS.type,
};

/** GLOB metacharacters written as themselves, then Cloudinary's `*` and `?` as GLOB's. */
const globOf = (pattern: string) => pattern.replace(/[[\]]/g, (c) => `[${c}]`);

/** A string match on a column; `contains` is case-insensitive, as a search box is. */
function matchColumn(column: string, m: TextMatch): Sql {
  switch (m.how) {
    case 'any':
      return { sql: `${column} != ''`, binds: [] };
    case 'exact':
      return { sql: `${column} = ?`, binds: [m.value] };
    case 'prefix':
      return { sql: `${column} >= ? AND ${column} < ?`, binds: [m.value, m.value + MAX_CHAR] };
    case 'glob':
      return { sql: `${column} GLOB ?`, binds: [globOf(m.value)] };
    case 'contains':
      return { sql: `instr(lower(${column}), lower(?)) > 0`, binds: [m.value] };
  }
}

/**
 * A condition on a side table (tags, context, metadata) as `r.id IN (...)`:
 * the side table's `(cloud, key, value, resource_id)` index finds the ids, and
 * the resources are then read by row id.
 */
function inSide(table: string, cloud: string, keyColumn: string | null, key: string | null, valueColumn: string, m: TextMatch): Sql {
  const inner = sideRows(table, cloud, keyColumn, key, valueColumn, m);
  return { sql: `r.id IN (SELECT s.resource_id ${inner.sql})`, binds: inner.binds };
}

/** `FROM <table> s WHERE ...`: the side-table rows of a match. */
function sideRows(table: string, cloud: string, keyColumn: string | null, key: string | null, valueColumn: string, m: TextMatch): Sql {
  const where = ['s.cloud = ?'];
  const binds: unknown[] = [cloud];
  if (keyColumn) {
    where.push(`s.${keyColumn} = ?`);
    binds.push(key);
  }
  const match = m.how === 'any' ? null : matchColumn(`s.${valueColumn}`, m);
  if (match) {
    where.push(match.sql);
    binds.push(...match.binds);
  }
  return { sql: `FROM ${table} s WHERE ${where.join(' AND ')}`, binds };
}

/**
 * The count of an expression that is one tag, context or metadata match,
 * read from the side table's index alone (every side row names an asset of
 * the cloud); null for any other expression.
 */
export function sideTableCount(node: SearchNode, cloud: string): Sql | null {
  if (node.kind !== 'pred') return null;
  const p = node.pred;
  const rows =
    p.kind === 'tag'
      ? sideRows('resource_tags', cloud, null, null, 'tag', p.match)
      : p.kind === 'context'
        ? sideRows('resource_context', cloud, 'key', p.key, 'value', p.match)
        : p.kind === 'metadata'
          ? sideRows('resource_metadata', cloud, 'field', p.key, 'value', p.match)
          : null;
  if (!rows) return null;
  // A tag or a context key appears once per asset (the tables' keys); so does one metadata value, but a
  // pattern can match several values of a set field.
  const once = p.kind !== 'metadata' || p.match.how === 'exact';
  return { sql: `SELECT count(${once ? '*' : 'DISTINCT s.resource_id'}) AS n ${rows.sql}`, binds: rows.binds };
}

/** Fixed folders: `folder=a/b` holds `a/b/x` but not `a/b/c/x`; `folder:a/b*` holds everything below `a/b`. */
function folderCondition(m: TextMatch, mode: FolderMode): Sql {
  if (mode === 'dynamic') return matchColumn('r.asset_folder', m);
  const folder = "rtrim(rtrim(r.public_id, replace(r.public_id, '/', '')), '/')";
  switch (m.how) {
    case 'exact':
      if (m.value === '') return { sql: "instr(r.public_id, '/') = 0", binds: [] };
      return {
        sql: `r.public_id >= ? AND r.public_id < ? AND instr(substr(r.public_id, ?), '/') = 0`,
        binds: [`${m.value}/`, `${m.value}/${MAX_CHAR}`, m.value.length + 2],
      };
    case 'prefix':
      return matchColumn('r.public_id', m);
    case 'any':
      return { sql: "instr(r.public_id, '/') > 0", binds: [] };
    default:
      return matchColumn(folder, m);
  }
}

/** The trigram index finds substrings of at least this many characters; shorter ones are read row by row. */
const FTS_MIN_CHARS = 3;

/** Which indexed columns can hold a substring of each text field (a display name never set is the public id). */
const FTS_COLUMNS: Partial<Record<keyof typeof TEXT_COLUMNS, string>> = {
  public_id: 'public_id',
  filename: 'public_id',
  display_name: '{public_id display_name}',
};

/**
 * A substring match narrowed through the trigram index (migration 0022):
 * `r.id IN (rows whose column holds the phrase)`, then the exact test on the
 * row, since the index is shared by every cloud and only narrows.
 */
function containsViaIndex(columns: string, value: string, exact: Sql): Sql {
  if ([...value].length < FTS_MIN_CHARS) return exact;
  return {
    sql: `r.id IN (SELECT rowid FROM resources_fts WHERE resources_fts MATCH ?) AND ${exact.sql}`,
    binds: [`${columns} : "${value.replace(/"/g, '""')}"`, ...exact.binds],
  };
}

function textPredicate(field: keyof typeof TEXT_COLUMNS, m: TextMatch): Sql {
  const exact = matchColumn(TEXT_COLUMNS[field], m);
  const columns = FTS_COLUMNS[field];
  return m.how === 'contains' && columns ? containsViaIndex(columns, m.value, exact) : exact;
}

function predicate(p: Predicate, cloud: string, mode: FolderMode): Sql {
  switch (p.kind) {
    case 'text':
      return textPredicate(p.field, p.match);
    case 'keyword':
      return matchColumn(KEYWORD_COLUMNS[p.field], p.match);
    case 'number':
      return { sql: `${NUMBER_COLUMNS[p.field]} ${p.op} ?`, binds: [p.value] };
    case 'date':
      return { sql: `${DATE_COLUMNS[p.field]} ${p.op} ?`, binds: [p.value] };
    case 'tag':
      return inSide('resource_tags', cloud, null, null, 'tag', p.match);
    case 'context':
      return inSide('resource_context', cloud, 'key', p.key, 'value', p.match);
    case 'metadata':
      return inSide('resource_metadata', cloud, 'field', p.key, 'value', p.match);
    case 'metadata_compare': {
      const value = typeof p.value === 'number' ? 'CAST(s.value AS REAL)' : 's.value';
      return {
        sql: `r.id IN (SELECT s.resource_id FROM resource_metadata s WHERE s.cloud = ? AND s.field = ? AND ${value} ${p.op} ?)`,
        binds: [cloud, p.key, p.value],
      };
    }
    case 'folder':
      return folderCondition(p.match, mode);
    case 'free':
      return freeText(p.value, cloud);
  }
}

/**
 * A bare word matches the public id, display name or file name (substring), or a tag (exactly). The
 * file name is part of the public id, and a display name that was never set is the public id's, so
 * two substring tests cover all three; the trigram index narrows them when the word is long enough.
 */
function freeText(value: string, cloud: string): Sql {
  const substring = matchColumn(TEXT_COLUMNS.public_id, { how: 'contains', value });
  const named = matchColumn('r.display_name', { how: 'contains', value });
  const parts = [
    containsViaIndex('{public_id display_name}', value, {
      sql: `(${substring.sql} OR ${named.sql})`,
      binds: [...substring.binds, ...named.binds],
    }),
    inSide('resource_tags', cloud, null, null, 'tag', { how: 'exact', value }),
  ];
  return { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, binds: parts.flatMap((p) => p.binds) };
}

/** The tree as one parameterised condition; values are never spliced into the SQL text. */
export function compileCondition(node: SearchNode, cloud: string, mode: FolderMode): Sql {
  switch (node.kind) {
    case 'all':
      return { sql: '1', binds: [] };
    case 'pred': {
      const s = predicate(node.pred, cloud, mode);
      return { sql: `(${s.sql})`, binds: s.binds };
    }
    case 'not': {
      const s = compileCondition(node.item, cloud, mode);
      return { sql: `NOT ${s.sql}`, binds: s.binds };
    }
    case 'and':
    case 'or': {
      const parts = node.items.map((n) => compileCondition(n, cloud, mode));
      return { sql: `(${parts.map((p) => p.sql).join(` ${node.kind.toUpperCase()} `)})`, binds: parts.flatMap((p) => p.binds) };
    }
  }
}
