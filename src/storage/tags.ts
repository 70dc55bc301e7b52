import { encodeCursor } from './cursor';

const MAX_CHAR = '\u{10FFFF}';

/**
 * Distinct tags of a cloud in order, used by at least one resource of the
 * resource type. The recursive query hops from one tag to the next through
 * the (cloud, tag) index instead of reading every tagging, so a tag on
 * 100,000 resources costs one step, not 100,000.
 */
export async function listTags(
  db: D1Database,
  q: { cloud: string; resourceType: string; prefix: string; after?: string; max: number },
): Promise<{ tags: string[]; nextCursor?: string; dbMs: number }> {
  const lower = q.after === undefined ? 'tag >= ?2' : 'tag > ?2';
  const sql = `
    WITH RECURSIVE t(tag) AS (
      SELECT (SELECT min(tag) FROM resource_tags WHERE cloud = ?1 AND ${lower} AND tag < ?3)
      UNION ALL
      SELECT (SELECT min(tag) FROM resource_tags WHERE cloud = ?1 AND tag > t.tag AND tag < ?3) FROM t WHERE t.tag IS NOT NULL
    )
    SELECT tag FROM t WHERE tag IS NOT NULL AND EXISTS (
      SELECT 1 FROM resource_tags x JOIN resources r ON r.id = x.resource_id WHERE x.cloud = ?1 AND x.tag = t.tag AND r.resource_type = ?4
    ) LIMIT ?5`;
  const rows = await db
    .prepare(sql)
    .bind(q.cloud, q.after ?? q.prefix, q.prefix + MAX_CHAR, q.resourceType, q.max + 1)
    .all<{ tag: string }>();
  const tags = rows.results.map((r) => r.tag);
  const dbMs = rows.meta.duration ?? 0;
  if (tags.length <= q.max) return { tags, dbMs };
  const page = tags.slice(0, q.max);
  return { tags: page, nextCursor: encodeCursor([page[page.length - 1]]), dbMs };
}
