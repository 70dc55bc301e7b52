import type { AssetSelector, ResourceRow } from './resources';

/** Which assets of one resource type and type a bulk call names: ids, a public-id prefix, or a tag. */
export type Selector = AssetSelector;

export interface Scope {
  cloud: string;
  resourceType: string;
  type: string;
}

const MAX_CHAR = '\u{10FFFF}';

/**
 * The named assets in public-id order, at most `limit` of them, after the
 * public id `after` (a keyset for prefix and tag selections). Lists travel as
 * one JSON parameter: D1 binds at most 100 values.
 */
export async function selectAssets(db: D1Database, s: Scope, sel: Selector, limit: number, after = ''): Promise<ResourceRow[]> {
  const scope = 'r.cloud = ? AND r.resource_type = ? AND r.type = ? AND r.public_id > ?';
  const args = [s.cloud, s.resourceType, s.type, after];
  const q =
    sel.by === 'ids'
      ? db
          .prepare(
            `SELECT r.* FROM resources r WHERE ${scope} AND r.public_id IN (SELECT value FROM json_each(?)) ORDER BY r.public_id LIMIT ?`,
          )
          .bind(...args, JSON.stringify(sel.ids), limit)
      : sel.by === 'prefix'
        ? db
            .prepare(`SELECT r.* FROM resources r WHERE ${scope} AND r.public_id >= ? AND r.public_id < ? ORDER BY r.public_id LIMIT ?`)
            .bind(...args, sel.prefix, sel.prefix + MAX_CHAR, limit)
        : db
            .prepare(
              `SELECT r.* FROM resources r WHERE ${scope} AND r.id IN (SELECT resource_id FROM resource_tags WHERE cloud = ? AND tag = ?) ORDER BY r.public_id LIMIT ?`,
            )
            .bind(...args, s.cloud, sel.tag, limit);
  return (await q.all<ResourceRow>()).results;
}

/** Sets the access mode of resources by row id. */
export async function setAccessMode(db: D1Database, ids: number[], mode: string): Promise<void> {
  if (!ids.length) return;
  await db
    .prepare('UPDATE resources SET access_mode = ? WHERE id IN (SELECT value FROM json_each(?))')
    .bind(mode, JSON.stringify(ids))
    .run();
}

/** `add`: sets the given keys (others stay); `remove_all`: clears the context. */
export async function changeContext(
  db: D1Database,
  cloud: string,
  ids: number[],
  command: 'add' | 'remove_all',
  context: Record<string, string>,
) {
  if (!ids.length) return;
  const stmts: D1PreparedStatement[] = [];
  for (const id of ids) {
    if (command === 'remove_all') {
      stmts.push(db.prepare('DELETE FROM resource_context WHERE resource_id = ?').bind(id));
      continue;
    }
    for (const [k, v] of Object.entries(context)) {
      stmts.push(
        db.prepare('INSERT OR REPLACE INTO resource_context (resource_id, cloud, key, value) VALUES (?, ?, ?, ?)').bind(id, cloud, k, v),
      );
    }
  }
  if (stmts.length) await db.batch(stmts);
}
