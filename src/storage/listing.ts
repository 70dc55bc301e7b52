import type { ResourceRow } from './resources';
import { decodeCursor, encodeCursor } from './cursor';
import type { Direction } from '../protocol/list-params';

/** Which resources a listing walks (by type, prefix, tag, context, moderation). */
export type ListFilter =
  | { by: 'type'; type?: string; prefix?: string }
  | { by: 'tag'; tag: string; type?: string }
  | { by: 'context'; key: string; value?: string }
  | { by: 'moderation'; kind: string; status: string }
  /** Every resource type of the cloud in one asset folder (the page's resourceType is ignored). */
  | { by: 'asset_folder'; folder: string };

export interface ListPage {
  cloud: string;
  resourceType: string;
  filter: ListFilter;
  direction: Direction;
  maxResults: number;
  cursor?: string;
  startAt?: string;
}

/** The last character there is: `p || MAX_CHAR` bounds every string that starts with `p`. */
const MAX_CHAR = '\u{10FFFF}';

interface Plan {
  from: string;
  where: string[];
  binds: unknown[];
  /** The id column the keyset runs on (the row id of resources, or the join's resource_id). */
  idColumn: string;
  /** Prefix listings are sorted by public id (as at Cloudinary); all others by id. */
  byPublicId: boolean;
}

function plan(q: ListPage): Plan {
  const f = q.filter;
  switch (f.by) {
    case 'type': {
      const where = ['r.cloud = ?', 'r.resource_type = ?'];
      const binds: unknown[] = [q.cloud, q.resourceType];
      if (f.type) {
        where.push('r.type = ?');
        binds.push(f.type);
      }
      if (f.prefix) {
        where.push('r.public_id >= ?', 'r.public_id < ?');
        binds.push(f.prefix, f.prefix + MAX_CHAR);
      }
      return { from: 'resources r', where, binds, idColumn: 'r.id', byPublicId: !!f.prefix };
    }
    case 'tag': {
      const where = ['t.cloud = ?', 't.tag = ?', 'r.resource_type = ?'];
      const binds: unknown[] = [q.cloud, f.tag, q.resourceType];
      if (f.type) {
        where.push('r.type = ?');
        binds.push(f.type);
      }
      return {
        from: 'resource_tags t JOIN resources r ON r.id = t.resource_id',
        where,
        binds,
        idColumn: 't.resource_id',
        byPublicId: false,
      };
    }
    case 'context': {
      const where = ['c.cloud = ?', 'c.key = ?', 'r.resource_type = ?'];
      const binds: unknown[] = [q.cloud, f.key, q.resourceType];
      if (f.value !== undefined) {
        where.push('c.value = ?');
        binds.push(f.value);
      }
      return {
        from: 'resource_context c JOIN resources r ON r.id = c.resource_id',
        where,
        binds,
        idColumn: 'c.resource_id',
        byPublicId: false,
      };
    }
    case 'asset_folder':
      return {
        from: 'resources r',
        where: ['r.cloud = ?', 'r.asset_folder = ?'],
        binds: [q.cloud, f.folder],
        idColumn: 'r.id',
        byPublicId: false,
      };
    case 'moderation':
      return {
        from: 'resources r',
        where: ['r.cloud = ?', 'r.resource_type = ?', 'r.moderation_kind = ?', 'r.moderation_status = ?'],
        binds: [q.cloud, q.resourceType, f.kind, f.status],
        idColumn: 'r.id',
        byPublicId: false,
      };
  }
}

/** The SQL of one page: exported so a test can check its query plan uses an index and no sort. */
export function listQuery(q: ListPage): { sql: string; binds: unknown[]; byPublicId: boolean } {
  const p = plan(q);
  const where = [...p.where];
  const binds = [...p.binds];
  if (q.startAt) {
    where.push('r.uploaded_at >= ?');
    binds.push(q.startAt);
  }
  let order: string;
  if (p.byPublicId) {
    if (q.cursor) {
      const [publicId, id] = decodeCursor(q.cursor, 'sn');
      where.push('(r.public_id, r.id) > (?, ?)');
      binds.push(publicId, id);
    }
    order = 'r.public_id, r.id';
  } else {
    if (q.cursor) {
      const [id] = decodeCursor(q.cursor, 'n');
      where.push(`${p.idColumn} ${q.direction === 'asc' ? '>' : '<'} ?`);
      binds.push(id);
    }
    order = `${p.idColumn} ${q.direction === 'asc' ? 'ASC' : 'DESC'}`;
  }
  binds.push(q.maxResults + 1);
  return { sql: `SELECT r.* FROM ${p.from} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`, binds, byPublicId: p.byPublicId };
}

/**
 * One page of a listing, read with a keyset: the cursor holds the sort key of
 * the previous page's last row, and an index supplies rows already in order,
 * so no page costs more than its own rows.
 */
export async function listResources(db: D1Database, q: ListPage): Promise<{ rows: ResourceRow[]; nextCursor?: string; dbMs: number }> {
  const { sql, binds, byPublicId } = listQuery(q);
  const result = await db
    .prepare(sql)
    .bind(...binds)
    .all<ResourceRow>();
  const rows = result.results;
  const dbMs = result.meta.duration ?? 0;
  if (rows.length <= q.maxResults) return { rows, dbMs };
  const page = rows.slice(0, q.maxResults);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: encodeCursor(byPublicId ? [last.public_id, last.id] : [last.id]), dbMs };
}

/** How many resources an asset folder holds (`total_count` of `resources/by_asset_folder`). */
export async function countInAssetFolder(db: D1Database, cloud: string, folder: string): Promise<number> {
  const row = await db
    .prepare('SELECT count(*) AS n FROM resources WHERE cloud = ? AND asset_folder = ?')
    .bind(cloud, folder)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Resources of one resource type and type by public id, in the order asked for. */
export async function resourcesByPublicIds(
  db: D1Database,
  cloud: string,
  resourceType: string,
  type: string,
  publicIds: string[],
): Promise<ResourceRow[]> {
  const rows = (
    await db
      .prepare(
        'SELECT * FROM resources WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id IN (SELECT value FROM json_each(?))',
      )
      .bind(cloud, resourceType, type, JSON.stringify(publicIds))
      .all<ResourceRow>()
  ).results;
  const byId = new Map(rows.map((r) => [r.public_id, r]));
  return publicIds.flatMap((id) => byId.get(id) ?? []);
}

export async function resourcesByAssetIds(db: D1Database, cloud: string, assetIds: string[]): Promise<ResourceRow[]> {
  const rows = (
    await db
      .prepare('SELECT * FROM resources WHERE cloud = ? AND asset_id IN (SELECT value FROM json_each(?))')
      .bind(cloud, JSON.stringify(assetIds))
      .all<ResourceRow>()
  ).results;
  const byId = new Map(rows.map((r) => [r.asset_id, r]));
  return assetIds.flatMap((id) => byId.get(id) ?? []);
}

/** What a page query returned and how long D1 spent on it (for the `Server-Timing` header). */
export interface Timed<T> {
  value: T;
  dbMs: number;
}

/** Tags of many resources in one query. */
export async function tagsOf(db: D1Database, ids: number[]): Promise<Timed<Map<number, string[]>>> {
  const out = new Map<number, string[]>(ids.map((id) => [id, []]));
  if (!ids.length) return { value: out, dbMs: 0 };
  const rows = await db
    .prepare('SELECT resource_id, tag FROM resource_tags WHERE resource_id IN (SELECT value FROM json_each(?)) ORDER BY resource_id, tag')
    .bind(JSON.stringify(ids))
    .all<{ resource_id: number; tag: string }>();
  for (const r of rows.results) out.get(r.resource_id)?.push(r.tag);
  return { value: out, dbMs: rows.meta.duration ?? 0 };
}

/** Context of many resources in one query. */
export async function contextOf(db: D1Database, ids: number[]): Promise<Timed<Map<number, Record<string, string>>>> {
  const out = new Map<number, Record<string, string>>(ids.map((id) => [id, {}]));
  if (!ids.length) return { value: out, dbMs: 0 };
  const rows = await db
    .prepare(
      'SELECT resource_id, key, value FROM resource_context WHERE resource_id IN (SELECT value FROM json_each(?)) ORDER BY resource_id, key',
    )
    .bind(JSON.stringify(ids))
    .all<{ resource_id: number; key: string; value: string }>();
  for (const r of rows.results) {
    const ctx = out.get(r.resource_id);
    if (ctx) ctx[r.key] = r.value;
  }
  return { value: out, dbMs: rows.meta.duration ?? 0 };
}
