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

describe('free text through the trigram index', () => {
  it('finds substrings of public ids and display names as the row-by-row test would, and reads them through resources_fts', async () => {
    await ensureSchema(env.DB);
    const cloud = `fts_${Date.now().toString(36)}`;
    const rows = [
      ['shoes/red_sneaker_01', null],
      ['shoes/blue_boot', 'Winter Sneaker'],
      ['hats/cap', null],
      ['misc/"quoted"_thing', null],
    ] as const;
    let id = 900_000_000 + Math.floor(Math.random() * 1_000_000);
    for (const [publicId, displayName] of rows) {
      await env.DB.prepare(
        `INSERT INTO resources (id, cloud, resource_type, type, public_id, asset_id, version, version_id, r2_key, content_type, bytes, etag,
           created_at, uploaded_at, access_mode, asset_folder, display_name)
         VALUES (?, ?, 'image', 'upload', ?, ?, 1, 'v', 'k', 'image/png', 1, 'e', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'public', '', ?)`,
      )
        .bind(id++, cloud, publicId, crypto.randomUUID().replace(/-/g, ''), displayName)
        .run();
    }
    const found = async (expression: string) => {
      const q = parseSearchRequest(new Params({ expression }), NOW);
      const { page } = searchQueries(cloud, 'fixed', q, false);
      const res = await env.DB.prepare(page.sql)
        .bind(...page.binds)
        .all<{ public_id: string }>();
      return res.results.map((r) => r.public_id).sort();
    };
    expect(await found('sneaker')).toEqual(['shoes/blue_boot', 'shoes/red_sneaker_01']);
    expect(await found('SNEAK')).toEqual(['shoes/blue_boot', 'shoes/red_sneaker_01']);
    expect(await found('public_id:sneak')).toEqual(['shoes/red_sneaker_01']);
    expect(await found('display_name:winter')).toEqual(['shoes/blue_boot']);
    expect(await found('filename:boo')).toEqual(['shoes/blue_boot']);
    expect(await found('ca')).toEqual(['hats/cap']); // two characters: below the index, read row by row
    expect(await found('"\\"quoted\\""')).toEqual(['misc/"quoted"_thing']);
    // Renames and deletes keep the index in step.
    await env.DB.prepare("UPDATE resources SET public_id = 'shoes/green_loafer' WHERE cloud = ? AND public_id = 'shoes/red_sneaker_01'")
      .bind(cloud)
      .run();
    expect(await found('sneaker')).toEqual(['shoes/blue_boot']);
    expect(await found('loafer')).toEqual(['shoes/green_loafer']);
    await env.DB.prepare('DELETE FROM resources WHERE cloud = ?').bind(cloud).run();
    expect(await found('loafer')).toEqual([]);

    const plan = await env.DB.prepare(
      `EXPLAIN QUERY PLAN ${searchQueries(cloud, 'fixed', parseSearchRequest(new Params({ expression: 'sneaker' }), NOW), false).page.sql}`,
    )
      .bind(...searchQueries(cloud, 'fixed', parseSearchRequest(new Params({ expression: 'sneaker' }), NOW), false).page.binds)
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join('\n')).toMatch(/resources_fts VIRTUAL TABLE INDEX/);
  });
});
