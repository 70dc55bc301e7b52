import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parseExpression } from '../../src/protocol/search/parser';
import { parseSearchRequest } from '../../src/protocol/search/request';
import { Params } from '../../src/protocol/params';
import { searchQueries } from '../../src/storage/search';
import { encodeCursor } from '../../src/storage/cursor';
import { ensureSchema } from '../../src/storage/schema';
import { CldError } from '../../src/errors';

const NOW = Date.parse('2026-06-15T12:00:00Z');

function errorOf(expr: string): string {
  try {
    parseExpression(expr, NOW);
  } catch (e) {
    expect(e).toBeInstanceOf(CldError);
    expect((e as CldError).status).toBe(400);
    return (e as CldError).message;
  }
  throw new Error(`"${expr}" parsed`);
}

describe('search expression parser', () => {
  it('builds a typed tree: implicit AND, OR, NOT, groups, ranges, wildcards and relative dates', () => {
    expect(parseExpression('tags:a format=png', NOW)).toEqual({
      kind: 'and',
      items: [
        { kind: 'pred', pred: { kind: 'tag', match: { how: 'exact', value: 'a' } } },
        { kind: 'pred', pred: { kind: 'keyword', field: 'format', match: { how: 'exact', value: 'png' } } },
      ],
    });
    expect(parseExpression('NOT (tags:a OR -tags:b)', NOW)).toEqual({
      kind: 'not',
      item: {
        kind: 'or',
        items: [
          { kind: 'pred', pred: { kind: 'tag', match: { how: 'exact', value: 'a' } } },
          { kind: 'not', item: { kind: 'pred', pred: { kind: 'tag', match: { how: 'exact', value: 'b' } } } },
        ],
      },
    });
    expect(parseExpression('bytes:{1kb TO *]', NOW)).toEqual({
      kind: 'pred',
      pred: { kind: 'number', field: 'bytes', op: '>', value: 1024 },
    });
    expect(parseExpression('uploaded_at>1w', NOW)).toEqual({
      kind: 'pred',
      pred: { kind: 'date', field: 'uploaded_at', op: '>', value: '2026-06-08T12:00:00Z' },
    });
    expect(parseExpression('public_id:a/b*', NOW)).toEqual({
      kind: 'pred',
      pred: { kind: 'text', field: 'public_id', match: { how: 'prefix', value: 'a/b' } },
    });
    expect(parseExpression('public_id:a*b?', NOW)).toEqual({
      kind: 'pred',
      pred: { kind: 'text', field: 'public_id', match: { how: 'glob', value: 'a*b?' } },
    });
    expect(parseExpression('tags:(a OR b)', NOW)).toEqual({
      kind: 'or',
      items: [
        { kind: 'pred', pred: { kind: 'tag', match: { how: 'exact', value: 'a' } } },
        { kind: 'pred', pred: { kind: 'tag', match: { how: 'exact', value: 'b' } } },
      ],
    });
    expect(parseExpression('aspect_ratio="4:3"', NOW)).toEqual({
      kind: 'pred',
      pred: { kind: 'number', field: 'aspect_ratio', op: '=', value: 4 / 3 },
    });
    expect(parseExpression('   ', NOW)).toEqual({ kind: 'all' });
    expect(parseExpression("public_id:o'brien", NOW)).toEqual({
      kind: 'pred',
      pred: { kind: 'text', field: 'public_id', match: { how: 'contains', value: "o'brien" } },
    });
    expect(parseExpression("display_name='a b'", NOW)).toEqual({
      kind: 'pred',
      pred: { kind: 'text', field: 'display_name', match: { how: 'exact', value: 'a b' } },
    });
  });

  it('names the position of every error', () => {
    expect(errorOf('tags:a AND')).toMatch(/unexpected end of expression at position 10/);
    expect(errorOf('(tags:a')).toMatch(/expected "\)" at position 7/);
    expect(errorOf('tags:a)')).toMatch(/unexpected "\)" at position 6/);
    expect(errorOf('colour:red')).toMatch(/unknown field "colour" at position 0/);
    expect(errorOf('width>wide')).toMatch(/invalid number "wide" for width at position 6/);
    expect(errorOf('created_at>2024-13-45')).toMatch(/invalid date/);
    expect(errorOf('tags:(format:png)')).toMatch(/a field inside a field group at position 6/);
    expect(errorOf('('.repeat(40) + 'a' + ')'.repeat(40))).toMatch(/nested too deeply/);
    expect(errorOf('x'.repeat(5000))).toMatch(/longer than/);
  });
});

describe('search query plans', () => {
  const plan = async (expression: string, extra: Record<string, string | string[]> = {}, small = false) => {
    await ensureSchema(env.DB);
    const q = parseSearchRequest(new Params({ expression, ...extra }), NOW);
    const { page } = searchQueries('demo', 'fixed', q, small);
    const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${page.sql}`)
      .bind(...page.binds)
      .all<{ detail: string }>();
    return rows.results.map((r) => r.detail);
  };

  it.each([
    ['tags=a', 'resource_tags'],
    ['public_id:folder/*', 'resources_search_public_id'],
    ['folder=folder', 'resources_search_public_id'],
    ['context.k=v', 'resource_context'],
    ['format=png', ''],
    ['', ''],
  ])('%s reads through an index, never a full scan of resources', async (expression, index) => {
    const details = await plan(expression);
    expect(details.filter((d) => /^SCAN r\b/.test(d))).toEqual([]);
    if (index) expect(details.join('\n')).toContain(index);
  });

  it('the default order (newest first) walks the upload-time index without sorting, also from a cursor', async () => {
    expect((await plan('tags=a')).join('\n')).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    const cursor = encodeCursor(['2026-01-01T00:00:00Z', 1000]);
    const details = (await plan('tags=a', { next_cursor: cursor })).join('\n');
    expect(details).toContain('resources_search_uploaded');
    expect(details).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
  });

  it('a small side-table match is read by row id from its id list', async () => {
    const cases: [string, Record<string, string | string[]>][] = [
      ['tags=a AND format=png', {}],
      ['tags=a', {}],
      ['context.k=v', { sort_by: ['{"public_id":"asc"}'] }],
    ];
    for (const [expression, extra] of cases) {
      const details = (await plan(expression, extra, true)).join('\n');
      expect(details).toMatch(/SEARCH r USING INTEGER PRIMARY KEY \(rowid=\?\)/);
      expect(details).not.toMatch(/SCAN r/);
    }
  });
});
