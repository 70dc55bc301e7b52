import { DomainError } from '../errors';

/** The tags API's commands (spec §7.3); Python sends set_exclusive, Node never does but it is supported. */
export const TAG_COMMANDS = ['add', 'remove', 'replace', 'remove_all', 'set_exclusive'] as const;
export type TagCommand = (typeof TAG_COMMANDS)[number];

export interface TagScope {
  cloud: string;
  resourceType: string;
  type: string;
}

const MAX_IDS = 1000;

/**
 * Applies a tag command to the assets among `publicIds` that exist, in one
 * batch. Returns those public ids, in the order given (the API's answer).
 */
export async function applyTagCommand(
  db: D1Database,
  scope: TagScope,
  publicIds: string[],
  command: TagCommand,
  tags: string[],
): Promise<string[]> {
  if (publicIds.length > MAX_IDS) throw new DomainError('invalid', `Too many public_ids: at most ${MAX_IDS}`);
  if (!publicIds.length) return [];
  const rows = await db
    .prepare(
      `SELECT id, public_id FROM resources WHERE cloud = ? AND resource_type = ? AND type = ? AND public_id IN (${publicIds.map(() => '?').join(',')})`,
    )
    .bind(scope.cloud, scope.resourceType, scope.type, ...publicIds)
    .all<{ id: number; public_id: string }>();
  const byId = new Map(rows.results.map((r) => [r.public_id, r.id]));
  const found = [...new Set(publicIds)].filter((p) => byId.has(p));
  const ids = found.map((p) => byId.get(p)!);
  if (!ids.length) return [];
  const inIds = `(${ids.map(() => '?').join(',')})`;
  const statements: D1PreparedStatement[] = [];
  const insert = () => {
    for (const id of ids)
      for (const tag of tags)
        statements.push(
          db.prepare('INSERT OR IGNORE INTO resource_tags (resource_id, cloud, tag) VALUES (?, ?, ?)').bind(id, scope.cloud, tag),
        );
  };
  switch (command) {
    case 'add':
      insert();
      break;
    case 'remove':
      statements.push(
        db
          .prepare(`DELETE FROM resource_tags WHERE resource_id IN ${inIds} AND tag IN (${tags.map(() => '?').join(',')})`)
          .bind(...ids, ...tags),
      );
      break;
    case 'replace':
      statements.push(db.prepare(`DELETE FROM resource_tags WHERE resource_id IN ${inIds}`).bind(...ids));
      insert();
      break;
    case 'remove_all':
      statements.push(db.prepare(`DELETE FROM resource_tags WHERE resource_id IN ${inIds}`).bind(...ids));
      break;
    case 'set_exclusive':
      // The tag stays only on these assets, across the cloud.
      statements.push(
        db
          .prepare(`DELETE FROM resource_tags WHERE cloud = ? AND tag = ? AND resource_id NOT IN ${inIds}`)
          .bind(scope.cloud, tags[0], ...ids),
      );
      insert();
      break;
  }
  if (statements.length) await db.batch(statements);
  return found;
}
