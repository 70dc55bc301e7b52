import { describe, expect, it } from 'vitest';
import { asImplemented, type Listing, loadSdk, sdkFailure as failure, uid } from '../support/sdk';
import { OTHER, THIRD } from '../support/clouds';
import { fixtureDataUri } from '../support/fixtures';

const png = fixtureDataUri('alpha.png', 'image/png');
const gif = fixtureDataUri('static.gif', 'image/gif');
const otherCloud = { cloud_name: OTHER.cloud_name, api_key: OTHER.api_key, api_secret: OTHER.api_secret };
const thirdCloud = { cloud_name: THIRD.cloud_name, api_key: THIRD.api_key, api_secret: THIRD.api_secret };

describe('Admin API resources through the SDK', async () => {
  const { cloudinary, base } = await loadSdk();
  const upload = (publicId: string, opts: Record<string, unknown> = {}) =>
    cloudinary.uploader.upload(png, { public_id: publicId, ...opts });

  it('ping, resource_types and the rate-limit headers', async () => {
    const ping = await cloudinary.api.ping();
    expect(ping.status).toBe('ok');
    expect(ping.rate_limit_allowed).toBeGreaterThan(0);
    expect(typeof ping.rate_limit_remaining).toBe('number');
    expect(ping.rate_limit_reset_at).toBeInstanceOf(Date);
    expect(ping.rate_limit_reset_at.getTime()).toBeGreaterThan(Date.now() - 1000);
    const types = await cloudinary.api.resource_types();
    expect(types.resource_types).toEqual(['image', 'raw', 'video']);
  });

  it('lists by prefix in public-id order and pages with next_cursor without repeats or gaps', async () => {
    const prefix = uid('list');
    const ids = ['c', 'a', 'e', 'b', 'd'].map((s) => `${prefix}/${s}`);
    for (const id of ids) await upload(id);
    const all = await cloudinary.api.resources({ type: 'upload', prefix: `${prefix}/`, max_results: 500 });
    expect(all.resources.map((r: { public_id: string }) => r.public_id)).toEqual([...ids].sort());
    expect(all.next_cursor).toBeUndefined();

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await cloudinary.api.resources({ type: 'upload', prefix: `${prefix}/`, max_results: 2, next_cursor: cursor });
      seen.push(...page.resources.map((r: { public_id: string }) => r.public_id));
      cursor = page.next_cursor;
      // An asset added while paging sorts before the cursor here and must not disturb the rest.
      if (pages++ === 0) await upload(`${prefix}/0`);
    } while (cursor);
    expect(seen).toEqual([...ids].sort());
    expect(pages).toBe(3);

    const r = all.resources[0];
    expect(Object.keys(r).sort()).toEqual(
      [
        'access_mode',
        'asset_folder',
        'asset_id',
        'backup',
        'bytes',
        'created_at',
        'display_name',
        'format',
        'height',
        'public_id',
        'resource_type',
        'secure_url',
        'type',
        'url',
        'version',
        'width',
      ].sort(),
    );
    expect(r.format).toBe('png');
    expect(r.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(r.url).toBe(`${base}/demo/image/upload/v${r.version}/${r.public_id}.png`);
    expect((await fetch(r.url)).status).toBe(200);
  });

  it('lists newest first by default, pages by id, and direction asc reverses it', async () => {
    const tag = uid('dir');
    const ids = [uid('d1'), uid('d2'), uid('d3')];
    for (const id of ids) await upload(id, { tags: [tag] });
    const desc = await cloudinary.api.resources_by_tag(tag, { max_results: 500 });
    const asc = await cloudinary.api.resources_by_tag(tag, { max_results: 500, direction: 'asc' });
    expect(desc.resources.map((r: { public_id: string }) => r.public_id)).toEqual([...ids].reverse());
    expect(asc.resources.map((r: { public_id: string }) => r.public_id)).toEqual(ids);

    const first = await cloudinary.api.resources_by_tag(tag, { max_results: 2 });
    expect(first.resources).toHaveLength(2);
    expect(first.next_cursor).toBeTypeOf('string');
    const added = uid('d4');
    await upload(added, { tags: [tag] }); // newer than the cursor: not on the following page
    const second = await cloudinary.api.resources_by_tag(tag, { max_results: 2, next_cursor: first.next_cursor });
    expect(second.resources.map((r: { public_id: string }) => r.public_id)).toEqual([ids[0]]);
    expect(second.next_cursor).toBeUndefined();
  });

  it('lists by tag with tags and context, and fields restricts the keys', async () => {
    const tag = uid('tag');
    const a = uid('bt');
    const b = uid('bt');
    await upload(a, { tags: [tag, 'second'], context: { key: 'value' } });
    await upload(b, { tags: [tag] });
    const res = await cloudinary.api.resources_by_tag(tag, { tags: true, context: true, max_results: 500 });
    const byId = Object.fromEntries(res.resources.map((r) => [r.public_id, r]));
    expect(byId[a].tags).toEqual(['second', tag].sort());
    expect(byId[a].context).toEqual({ custom: { key: 'value' } });
    expect(byId[b].tags).toEqual([tag]);
    expect(byId[b].context).toBeUndefined();

    const only = await cloudinary.api.resources_by_tag(tag, { fields: 'tags' });
    for (const r of only.resources) expect(Object.keys(r).sort()).toEqual(['asset_id', 'folder', 'public_id', 'tags']);
    const plain = await cloudinary.api.resources_by_tag(tag);
    expect(plain.resources[0].tags).toBeUndefined();
  });

  it('lists by context key, and by key and value', async () => {
    const key = uid('ctx');
    await upload(uid('c1'), { context: { [key]: 'test' } });
    await upload(uid('c2'), { context: { [key]: 'alt-test' } });
    expect((await cloudinary.api.resources_by_context(key)).resources).toHaveLength(2);
    const one = (await cloudinary.api.resources_by_context(key, 'test', { context: true })) as Listing;
    expect(one.resources).toHaveLength(1);
    expect(one.resources[0].context?.custom[key]).toBe('test');
  });

  it('lists by public ids and by asset ids', async () => {
    const a = uid('ids');
    const b = `${uid('ids')}/with space`;
    const up = await upload(a, { tags: ['x'], context: 'k=v' });
    await upload(b);
    const res = (await cloudinary.api.resources_by_ids([a, b, 'no_such_id'], { tags: true, context: true })) as Listing;
    expect(res.resources.map((r: { public_id: string }) => r.public_id)).toEqual([a, b]);
    expect(res.resources[0].tags).toEqual(['x']);
    expect(res.resources[0].context?.custom.k).toBe('v');
    const byAsset = await cloudinary.api.resources_by_asset_ids([up.asset_id]);
    expect(byAsset.resources.map((r: { public_id: string }) => r.public_id)).toEqual([a]);
  });

  it('gets one resource in full, by public id and by asset id', async () => {
    const id = `${uid('one')}/sub folder/x`;
    const up = await upload(id, { tags: ['t1'], context: 'alt=An image' });
    const r = await cloudinary.api.resource(id);
    expect(r.public_id).toBe(id);
    expect(r.asset_id).toBe(up.asset_id);
    expect(r.bytes).toBe(up.bytes);
    expect(r.width).toBe(up.width);
    expect(r.etag).toBe(up.etag);
    expect(r.placeholder).toBe(false);
    expect(r.tags).toEqual(['t1']);
    expect(r.context).toEqual({ custom: { alt: 'An image' } });
    expect(r.derived).toEqual([]);
    expect(r.versions).toBeUndefined();
    expect(r.url).toBe(up.url);
    const byAsset = await asImplemented(cloudinary).api.resource_by_asset_id(up.asset_id);
    expect(byAsset.public_id).toBe(id);
    const missing = await failure(cloudinary.api.resource(uid('missing')));
    expect(missing.http_code).toBe(404);
    expect(missing.message).toContain('Resource not found');
  });

  it('updates tags, context and moderation, and lists by moderation', async () => {
    const id = uid('upd');
    await upload(id, { tags: ['old'] });
    const updated = await cloudinary.api.update(id, { tags: ['n1', 'n2'], context: { a: 'b|c' }, moderation_status: 'approved' });
    expect(updated.tags).toEqual(['n1', 'n2']);
    expect(updated.context).toEqual({ custom: { a: 'b|c' } });
    expect(updated.moderation[0].status).toBe('approved');
    expect(updated.moderation[0].kind).toBe('manual');
    const listed = await cloudinary.api.resources_by_moderation('manual', 'approved', { max_results: 500, moderations: true });
    const mine = listed.resources.find((r: { public_id: string }) => r.public_id === id);
    expect(mine?.moderation_status).toBe('approved');
    await cloudinary.api.update(id, { moderation_status: 'rejected' });
    const rejected = await cloudinary.api.resources_by_moderation('manual', 'rejected', { max_results: 500 });
    expect(rejected.resources.map((r: { public_id: string }) => r.public_id)).toContain(id);
    expect((await cloudinary.api.resources_by_tag('old')).resources.map((r: { public_id: string }) => r.public_id)).not.toContain(id);
    const illegal = await failure(cloudinary.api.update(id, { ocr: 'illegal' }));
    expect(illegal.http_code).toBe(400);
    expect(illegal.message).toContain('Illegal value');
  });

  it('moves assets to an asset folder and lists it with a total count', async () => {
    const folder = uid('af');
    const ids = [uid('af1'), uid('af2'), uid('af3')];
    for (const id of ids) await upload(id);
    for (const id of ids) expect((await cloudinary.api.update(id, { asset_folder: folder })).asset_folder).toBe(folder);
    const page = (await cloudinary.api.resources_by_asset_folder(folder, { max_results: 2 })) as Listing;
    expect(page.total_count).toBe(3);
    expect(page.resources.map((r: { public_id: string }) => r.public_id)).toEqual([ids[2], ids[1]]);
    const rest = await cloudinary.api.resources_by_asset_folder(folder, { max_results: 2, next_cursor: page.next_cursor });
    expect(rest.resources.map((r: { public_id: string }) => r.public_id)).toEqual([ids[0]]);
    expect(((await cloudinary.api.resources_by_asset_folder(folder, otherCloud)) as Listing).total_count).toBe(0);
  });

  it('lists tags with a prefix', async () => {
    const prefix = uid('tg');
    await upload(uid('tgr'), { tags: [`${prefix}_b`, `${prefix}_a`, 'unrelated'] });
    await upload(uid('tgr'), { tags: [`${prefix}_a`] });
    const res = await cloudinary.api.tags({ prefix, max_results: 500 });
    expect(res.tags).toEqual([`${prefix}_a`, `${prefix}_b`]);
    const paged = await cloudinary.api.tags({ prefix, max_results: 1 });
    expect(paged.tags).toEqual([`${prefix}_a`]);
    const rest = await cloudinary.api.tags({ prefix, max_results: 1, next_cursor: paged.next_cursor });
    expect(rest.tags).toEqual([`${prefix}_b`]);
    expect((await cloudinary.api.tags({ prefix: 'api_test_no_such_tag' })).tags).toEqual([]);
    expect((await cloudinary.api.tags({ prefix, resource_type: 'raw' })).tags).toEqual([]);
  });

  it('deletes by public ids, prefix and tag', async () => {
    const a = uid('del');
    await upload(a);
    const res = await cloudinary.api.delete_resources([a, 'del_no_such']);
    expect(res.deleted).toEqual({ [a]: 'deleted', del_no_such: 'not_found' });
    expect(res.deleted_counts[a]).toEqual({ original: 1, derived: 0 });
    expect(res.partial).toBe(false);
    expect((await failure(cloudinary.api.resource(a))).http_code).toBe(404);
    const gone = await fetch(`${base}/demo/image/upload/${a}.png`);
    expect(gone.status).toBe(404);

    const prefix = uid('delp');
    await upload(`${prefix}_1`);
    await upload(`${prefix}_2`);
    const keep = `${uid('keep')}`;
    await upload(keep);
    const byPrefix = await cloudinary.api.delete_resources_by_prefix(prefix);
    expect(Object.keys(byPrefix.deleted).sort()).toEqual([`${prefix}_1`, `${prefix}_2`]);
    expect((await cloudinary.api.resources({ type: 'upload', prefix })).resources).toEqual([]);
    expect((await cloudinary.api.resource(keep)).public_id).toBe(keep);

    const tag = uid('deltag');
    await upload(uid('dt'), { tags: [tag] });
    await upload(keep, { tags: ['other'] });
    const byTag = await cloudinary.api.delete_resources_by_tag(tag);
    expect(Object.values(byTag.deleted)).toEqual(['deleted']);
    expect((await cloudinary.api.resources_by_tag(tag)).resources).toEqual([]);
    expect((await cloudinary.api.resource(keep)).public_id).toBe(keep);
  });

  it('delete_all_resources removes one resource type and type of one cloud only, in batches', async () => {
    const opts = { ...thirdCloud, resource_type: 'raw', type: 'private' } as const;
    const ids = [uid('all'), uid('all')];
    for (const id of ids) await cloudinary.uploader.upload(gif, { ...opts, public_id: id });
    const survivor = uid('survivor');
    await cloudinary.uploader.upload(gif, { ...thirdCloud, public_id: survivor });
    const kept = await cloudinary.api.delete_all_resources({ ...opts, keep_original: true });
    expect(Object.keys(kept.deleted).sort()).toEqual([...ids].sort());
    expect((await cloudinary.api.resources_by_ids(ids, opts)).resources).toHaveLength(2);
    const res = await cloudinary.api.delete_all_resources(opts);
    expect(res.partial).toBe(false);
    expect(Object.keys(res.deleted).sort()).toEqual([...ids].sort());
    expect((await cloudinary.api.resources({ ...opts, max_results: 500 })).resources).toEqual([]);
    expect((await cloudinary.api.resource(survivor, thirdCloud)).public_id).toBe(survivor);
  });

  it('delete_derived_resources reports unknown ids as not found', async () => {
    const res = await cloudinary.api.delete_derived_resources(['999999999', 'abc']);
    expect(res.deleted).toEqual({ '999999999': 'not_found', abc: 'not_found' });
  });

  it('keeps clouds apart: another cloud neither sees nor changes these assets', async () => {
    const id = uid('iso');
    await upload(id, { tags: ['iso_tag'] });
    expect((await failure(cloudinary.api.resource(id, otherCloud))).http_code).toBe(404);
    expect((await cloudinary.api.resources_by_ids([id], otherCloud)).resources).toEqual([]);
    expect((await cloudinary.api.resources({ ...otherCloud, type: 'upload', prefix: id })).resources).toEqual([]);
    const del = await cloudinary.api.delete_resources([id], otherCloud);
    expect(del.deleted[id]).toBe('not_found');
    expect((await failure(cloudinary.api.update(id, { ...otherCloud, tags: ['x'] }))).http_code).toBe(404);
    const mine = await cloudinary.api.resource(id);
    expect(mine.tags).toEqual(['iso_tag']);
    // The other cloud's credentials are no key to this cloud's API.
    const cross = await failure(cloudinary.api.resource(id, { cloud_name: 'demo', api_key: OTHER.api_key, api_secret: OTHER.api_secret }));
    expect(cross.http_code).toBe(401);
  });
});
