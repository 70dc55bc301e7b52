import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/storage/cursor';
import { listQuery, type ListPage } from '../../src/storage/listing';
import { ensureSchema } from '../../src/storage/schema';

/**
 * Listings must stay fast with 100,000 resources in a cloud (bench/admin.mjs
 * measures it). The shape that guarantees it: every listing walks an index in
 * its own order, so SQLite neither scans the table nor sorts.
 */
const page = (filter: ListPage['filter'], extra: Partial<ListPage> = {}): ListPage => ({
  cloud: 'demo',
  resourceType: 'image',
  filter,
  direction: 'desc',
  maxResults: 500,
  ...extra,
});

const cases: [string, ListPage][] = [
  ['by type', page({ by: 'type', type: 'upload' })],
  ['by type, next page', page({ by: 'type', type: 'upload' }, { cursor: encodeCursor([1000]) })],
  ['by type, ascending', page({ by: 'type', type: 'upload' }, { direction: 'asc' })],
  ['by resource type only', page({ by: 'type' })],
  ['by prefix', page({ by: 'type', type: 'upload', prefix: 'folder/' })],
  ['by prefix, next page', page({ by: 'type', type: 'upload', prefix: 'folder/' }, { cursor: encodeCursor(['folder/x', 5]) })],
  ['by prefix without type', page({ by: 'type', prefix: 'folder/' })],
  ['by tag', page({ by: 'tag', tag: 'a' })],
  ['by tag, next page', page({ by: 'tag', tag: 'a' }, { cursor: encodeCursor([1000]) })],
  ['by context key and value', page({ by: 'context', key: 'k', value: 'v' })],
  ['by context key only', page({ by: 'context', key: 'k' })],
  ['by moderation', page({ by: 'moderation', kind: 'manual', status: 'pending' })],
  ['by asset folder', page({ by: 'asset_folder', folder: 'f' })],
];

describe('listing query plans', () => {
  it.each(cases)('%s walks an index without sorting', async (_name, q) => {
    await ensureSchema(env.DB);
    const { sql, binds } = listQuery(q);
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...binds)
      .all<{ detail: string }>();
    const details = plan.results.map((r) => r.detail);
    expect(details.some((d) => /USING (COVERING )?INDEX/.test(d))).toBe(true);
    expect(details.filter((d) => /TEMP B-TREE|^SCAN/.test(d))).toEqual([]);
  });
});
