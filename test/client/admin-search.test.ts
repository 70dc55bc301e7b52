import type { UploadApiResponse } from 'cloudinary';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { asImplemented, loadSdk, sdkFailure as failure, type SearchResource, uid } from '../support/sdk';
import { OTHER } from '../support/clouds';

const dataUrl = (name: string, mime: string) =>
  `data:${mime};base64,${readFileSync(new URL(`../fixtures/${name}`, import.meta.url)).toString('base64')}`;
const png = dataUrl('alpha.png', 'image/png'); // 782x687, 104,059 bytes
const gif = dataUrl('static.gif', 'image/gif');
const jpg = dataUrl('grayscale.jpg', 'image/jpeg');
const otherCloud = { cloud_name: OTHER.cloud_name, api_key: OTHER.api_key, api_secret: OTHER.api_secret };

type Found = SearchResource;

describe('Search API through the SDK', async () => {
  const { cloudinary } = await loadSdk();
  const run = uid('search');
  const tag = run; // every asset of this file carries it, so other tests' assets never match
  const uploaded: Record<string, UploadApiResponse> = {};
  const ids = (r: { resources: Found[] }) => r.resources.map((x) => x.public_id).sort();
  const search = (expr: string) => asImplemented(cloudinary).search.expression(`tags=${tag} AND (${expr})`).max_results(500);

  beforeAll(async () => {
    const plan: [string, string, Record<string, unknown>][] = [
      [`${run}/animals/cat`, png, { tags: [tag, 'cat', 'pet'], context: { alt: 'a cat', owner: 'ann' } }],
      [`${run}/animals/dog`, jpg, { tags: [tag, 'dog', 'pet'], context: { alt: 'a dog' } }],
      [`${run}/animals/wild/fox`, gif, { tags: [tag, 'fox'] }],
      [`${run}/plants/fern`, png, { tags: [tag, 'plant'], context: { owner: 'bob' } }],
      [`${run}_loose`, jpg, { tags: [tag] }],
    ];
    for (const [id, file, opts] of plan) uploaded[id] = await cloudinary.uploader.upload(file, { public_id: id, ...opts });
  });

  it('finds by tag, and answers total_count, time and Cloudinary resource fields', async () => {
    const r = await asImplemented(cloudinary).search.expression(`tags:${tag}`).execute();
    expect(r.total_count).toBe(5);
    expect(typeof r.time).toBe('number');
    expect(r.next_cursor).toBeUndefined();
    const cat = r.resources.find((x: Found) => x.public_id === `${run}/animals/cat`);
    expect(cat).toMatchObject({
      asset_id: uploaded[`${run}/animals/cat`].asset_id,
      folder: `${run}/animals`,
      filename: 'cat',
      format: 'png',
      resource_type: 'image',
      type: 'upload',
      bytes: 104059,
      width: 782,
      height: 687,
      pixels: 782 * 687,
      aspect_ratio: Math.round((782 / 687) * 1e5) / 1e5,
      status: 'active',
      access_mode: 'public',
      version: uploaded[`${run}/animals/cat`].version,
      secure_url: uploaded[`${run}/animals/cat`].secure_url,
    });
    expect(cat?.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(cat?.tags).toBeUndefined();
  });

  it('matches fields with :, =, comparisons, ranges, wildcards, AND/OR/NOT and parentheses', async () => {
    const cases: [string, string[]][] = [
      ['format:png', [`${run}/animals/cat`, `${run}/plants/fern`]],
      ['format=jpg OR format=gif', [`${run}/animals/dog`, `${run}/animals/wild/fox`, `${run}_loose`]],
      ['tags:pet AND NOT tags:dog', [`${run}/animals/cat`]],
      ['tags:pet -tags:cat', [`${run}/animals/dog`]],
      [`public_id:${run}/animals/*`, [`${run}/animals/cat`, `${run}/animals/dog`, `${run}/animals/wild/fox`]],
      [`folder=${run}/animals`, [`${run}/animals/cat`, `${run}/animals/dog`]],
      [`folder:${run}/animals*`, [`${run}/animals/cat`, `${run}/animals/dog`, `${run}/animals/wild/fox`]],
      ['bytes>100000 AND bytes<105000', [`${run}/animals/cat`, `${run}/plants/fern`]],
      ['width:[782 TO 782]', [`${run}/animals/cat`, `${run}/plants/fern`]],
      ['width>=782 AND height<=687 AND format:png', [`${run}/animals/cat`, `${run}/plants/fern`]],
      ['context.alt:"a dog"', [`${run}/animals/dog`]],
      ['context.owner:*', [`${run}/animals/cat`, `${run}/plants/fern`]],
      ['(tags:cat OR tags:fox) AND format:gif', [`${run}/animals/wild/fox`]],
      ['uploaded_at>1d AND created_at>1h', Object.keys(uploaded).sort()],
      ['created_at<1d', []],
      [
        'pixels>500000 AND aspect_ratio>1',
        Object.keys(uploaded)
          .filter((id) => uploaded[id].width * uploaded[id].height > 500000 && uploaded[id].width > uploaded[id].height)
          .sort(),
      ],
      ['filename:fe*', [`${run}/plants/fern`]],
      ['fern', [`${run}/plants/fern`]],
      ['resource_type:image AND type:upload AND access_mode:public', Object.keys(uploaded).sort()],
    ];
    for (const [expr, expected] of cases) {
      const r = await search(expr).execute();
      expect({ expr, ids: ids(r) }).toEqual({ expr, ids: expected });
      expect(r.total_count).toBe(expected.length);
    }
  });

  it('sorts, pages with next_cursor without repeats or gaps, and returns with_field data', async () => {
    const all = await cloudinary.search
      .expression(`tags=${tag}`)
      .sort_by('public_id', 'asc')
      .with_field('tags')
      .with_field('context')
      .execute();
    expect(all.resources.map((x: Found) => x.public_id)).toEqual(Object.keys(uploaded).sort());
    const cat = all.resources.find((x: Found) => x.public_id === `${run}/animals/cat`);
    expect(cat.tags.sort()).toEqual([tag, 'cat', 'pet'].sort());
    expect(cat.context).toEqual({ alt: 'a cat', owner: 'ann' });

    for (const [field, dir] of [
      ['public_id', 'desc'],
      ['bytes', 'asc'],
      ['created_at', 'desc'],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        let q = asImplemented(cloudinary).search.expression(`tags=${tag}`).sort_by(field, dir).max_results(2);
        if (cursor) q = q.next_cursor(cursor);
        const page = await q.execute();
        expect(page.total_count).toBe(5);
        seen.push(...page.resources.map((x: Found) => x.public_id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect([...seen].sort()).toEqual(Object.keys(uploaded).sort());
      expect(new Set(seen).size).toBe(5);
      if (field === 'public_id') expect(seen).toEqual(Object.keys(uploaded).sort().reverse());
      if (field === 'bytes') {
        const bytes = seen.map((id) => uploaded[id].bytes);
        expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
      }
    }
  });

  it('aggregates counts by format, resource type, type and byte ranges', async () => {
    const r = await cloudinary.search
      .expression(`tags=${tag}`)
      .aggregate('format')
      .aggregate('resource_type')
      .aggregate('type')
      .aggregate('bytes')
      .max_results(1)
      .execute();
    expect(r.aggregations.format).toEqual({ png: 2, jpg: 2, gif: 1 });
    expect(r.aggregations.resource_type).toEqual({ image: 5 });
    expect(r.aggregations.type).toEqual({ upload: 5 });
    const byBytes = r.aggregations.bytes as Record<string, number>;
    expect(Object.values(byBytes).reduce((a, b) => a + b, 0)).toBe(5);
    expect(r.resources).toHaveLength(1);
    expect(r.total_count).toBe(5);
  });

  it('answers 400 naming the position of a bad expression, and 400 for bad options', async () => {
    const cases: [string, RegExp][] = [
      ['tags:(a OR', /position 10/],
      ['unknown_field:x', /unknown field "unknown_field" at position 0/],
      [`tags=${tag} AND bytes>lots`, /invalid number "lots" for bytes at position/],
      ['format<png', /format does not support "<" at position 7/],
      ['width:[1 TO 2', /position 13/],
      ['"unterminated', /unterminated quoted string at position 0/],
      ['created_at>3q', /invalid relative date/],
    ];
    for (const [expr, message] of cases) {
      const e = await failure(asImplemented(cloudinary).search.expression(expr).execute());
      expect({ expr, code: e.http_code }).toEqual({ expr, code: 400 });
      expect(e.message).toMatch(message);
    }
    expect((await failure(asImplemented(cloudinary).search.expression('x').max_results(501).execute())).http_code).toBe(400);
    expect((await failure(asImplemented(cloudinary).search.expression('x').sort_by('secret', 'asc').execute())).http_code).toBe(400);
    expect((await failure(asImplemented(cloudinary).search.expression('x').next_cursor('forged').execute())).http_code).toBe(400);
    expect((await failure(asImplemented(cloudinary).search.expression('x').with_field('secrets').execute())).http_code).toBe(400);
  });

  it('never mixes clouds, and an injection attempt is only a value', async () => {
    const r = await asImplemented(cloudinary).api.search({ expression: `tags=${tag}` }, otherCloud);
    expect(r.total_count).toBe(0);
    const sneaky = await search(`public_id="x' OR 1=1 --"`).execute();
    expect(sneaky.total_count).toBe(0);
  });
});
