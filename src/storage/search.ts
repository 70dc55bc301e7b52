import type { ResourceRow } from './resources';
import { decodeCursor, encodeCursor } from './cursor';
import { compileCondition, sideTableCount, SORT_COLUMNS, type FolderMode, type Sql } from './search-sql';
import type { Aggregation, SearchRequest, SortKey } from '../protocol/search/request';
import type { SearchNode } from '../protocol/search/ast';

export interface SearchPage {
  rows: ResourceRow[];
  totalCount: number;
  nextCursor?: string;
  aggregations: Record<string, Record<string, number>>;
  /** D1's own time for the queries (for `Server-Timing`). */
  dbMs: number;
}

const NUMERIC_SORTS = new Set(['bytes', 'width', 'height', 'pixels', 'aspect_ratio']);

/** The keyset condition "after the cursor's row" for any mix of directions. */
function afterCursor(sort: SortKey[], cursor: string): Sql {
  const shape = sort.map((k) => (NUMERIC_SORTS.has(k.field) ? 'f' : 's')).join('') + 'n';
  const values = decodeCursor(cursor, shape);
  const columns = [...sort.map((k) => SORT_COLUMNS[k.field]), 'r.id'];
  const dirs = [...sort.map((k) => k.dir), sort[0].dir];
  if (dirs.every((d) => d === dirs[0])) {
    // One row-value comparison: the index on (cloud, key, id) serves it directly.
    const marks = columns.map(() => '?').join(', ');
    return { sql: `(${columns.join(', ')}) ${dirs[0] === 'asc' ? '>' : '<'} (${marks})`, binds: [...values] };
  }
  const ors: string[] = [];
  const binds: unknown[] = [];
  columns.forEach((col, i) => {
    const eq = columns.slice(0, i).map((c) => `${c} = ?`);
    ors.push(`(${[...eq, `${col} ${dirs[i] === 'asc' ? '>' : '<'} ?`].join(' AND ')})`);
    binds.push(...values.slice(0, i), values[i]);
  });
  return { sql: `(${ors.join(' OR ')})`, binds };
}

/** Predicates answered from a side table's index (`r.id IN (...)`). */
const SIDE_KINDS = new Set(['tag', 'context', 'metadata', 'metadata_compare']);

/** Whether every match must satisfy a side-table predicate, so its id list can drive the page. */
function drivenBySideTable(node: SearchNode): boolean {
  if (node.kind === 'pred') return SIDE_KINDS.has(node.pred.kind);
  return node.kind === 'and' && node.items.some(drivenBySideTable);
}

/**
 * A match this small is read from the side table's id list and sorted; a
 * larger one walks the sort order's index and stops after a page. (SQLite has
 * no statistics here to choose by itself: it always walks the index, which
 * reads most of the cloud when the match is sparse.)
 */
const SMALL_MATCH = 10_000;

/**
 * The SQL of one search: exported so a test can check its query plan. With
 * `smallSideMatch`, `+r.cloud` keeps SQLite off the cloud's indexes, so the
 * side table's ids drive the page.
 */
export function searchQueries(
  cloud: string,
  mode: FolderMode,
  q: SearchRequest,
  smallSideMatch = false,
): { page: Sql; count: Sql; aggregations: Sql[] } {
  const cond = compileCondition(q.expression, cloud, mode);
  const where = `r.cloud = ? AND ${cond.sql}`;
  // Counting and aggregating a side-table match reads its rows by id rather than walking the whole cloud.
  const matchWhere = drivenBySideTable(q.expression) ? `+${where}` : where;
  const binds = [cloud, ...cond.binds];
  const sortCols = q.sort.map((k, i) => `${SORT_COLUMNS[k.field]} AS sort_${i}`);
  // With a small side match, `+` also keeps SQLite from walking a sort index through the whole table.
  const plus = smallSideMatch ? '+' : '';
  const order = [
    ...q.sort.map((k) => `${plus}${SORT_COLUMNS[k.field]} ${k.dir.toUpperCase()}`),
    `${plus}r.id ${q.sort[0].dir.toUpperCase()}`,
  ];
  const after = q.cursor ? afterCursor(q.sort, q.cursor) : null;
  const pageWhere = smallSideMatch ? `+r.cloud = ? AND ${cond.sql}` : where;
  const page: Sql = {
    sql: `SELECT r.*, ${sortCols.join(', ')} FROM resources r WHERE ${pageWhere}${after ? ` AND ${after.sql}` : ''} ORDER BY ${order.join(', ')} LIMIT ?`,
    binds: [...binds, ...(after?.binds ?? []), q.maxResults + 1],
  };
  const count: Sql = sideTableCount(q.expression, cloud) ?? { sql: `SELECT count(*) AS n FROM resources r WHERE ${matchWhere}`, binds };
  return { page, count, aggregations: q.aggregate.map((a) => aggregationQuery(a, matchWhere, binds)) };
}

const VALUE_COLUMNS = { format: "coalesce(r.format, '')", resource_type: 'r.resource_type', type: 'r.type' } as const;
const RANGE_COLUMNS = { bytes: 'r.bytes', pixels: 'coalesce(r.width, 0) * coalesce(r.height, 0)' } as const;

/** Counts per value, or per range, over the whole match (rows `k`, `n`). */
function aggregationQuery(a: Aggregation, where: string, binds: unknown[]): Sql {
  if (a.kind === 'values') {
    return { sql: `SELECT ${VALUE_COLUMNS[a.field]} AS k, count(*) AS n FROM resources r WHERE ${where} GROUP BY k`, binds };
  }
  const col = RANGE_COLUMNS[a.field];
  const sums: string[] = [];
  const bucketBinds: unknown[] = [];
  a.buckets.forEach((b, i) => {
    const parts = ['1'];
    if (b.from !== undefined) parts.push(`${col} >= ?`);
    if (b.to !== undefined) parts.push(`${col} < ?`);
    sums.push(`sum(CASE WHEN ${parts.join(' AND ')} THEN 1 ELSE 0 END) AS b${i}`);
    bucketBinds.push(...[b.from, b.to].filter((v) => v !== undefined));
  });
  return { sql: `SELECT ${sums.join(', ')} FROM resources r WHERE ${where}`, binds: [...bucketBinds, ...binds] };
}

function aggregationResult(a: Aggregation, rows: Record<string, unknown>[]): Record<string, number> {
  if (a.kind === 'values') return Object.fromEntries(rows.map((r) => [String(r.k), Number(r.n)]));
  const row = rows[0] ?? {};
  return Object.fromEntries(a.buckets.map((b, i) => [b.key, Number(row[`b${i}`] ?? 0)]));
}

/**
 * One page of a search, its total count and its aggregations: the count (with
 * the aggregations) first, since its size decides how the page is read.
 */
export async function searchResources(db: D1Database, cloud: string, mode: FolderMode, q: SearchRequest): Promise<SearchPage> {
  const counting = searchQueries(cloud, mode, q);
  const [count, ...aggs] = await db.batch<Record<string, unknown>>(
    [counting.count, ...counting.aggregations].map((s) => db.prepare(s.sql).bind(...s.binds)),
  );
  const small = drivenBySideTable(q.expression) && Number(count.results[0]?.n ?? 0) <= SMALL_MATCH;
  const pageSql = small ? searchQueries(cloud, mode, q, true).page : counting.page;
  const page = await db
    .prepare(pageSql.sql)
    .bind(...pageSql.binds)
    .all<Record<string, unknown>>();
  const rows = page.results as unknown as (ResourceRow & Record<string, string | number>)[];
  const dbMs = [page, count, ...aggs].reduce((ms, r) => ms + (r.meta.duration ?? 0), 0);
  const aggregations: Record<string, Record<string, number>> = {};
  q.aggregate.forEach((a, i) => (aggregations[a.field] = aggregationResult(a, aggs[i].results)));
  const result: SearchPage = { rows, totalCount: Number(count.results[0]?.n ?? 0), aggregations, dbMs };
  if (rows.length <= q.maxResults) return result;
  result.rows = rows.slice(0, q.maxResults);
  const last = rows[q.maxResults - 1];
  result.nextCursor = encodeCursor([...q.sort.map((_, i) => last[`sort_${i}`]), last.id]);
  return result;
}
