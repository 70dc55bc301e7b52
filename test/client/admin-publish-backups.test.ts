import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asImplemented, loadSdk, sdkFailure as failure, uid } from '../support/sdk';
import { OTHER } from '../support/clouds';

const file = (name: string, mime: string) =>
  `data:${mime};base64,${readFileSync(new URL(`../fixtures/${name}`, import.meta.url)).toString('base64')}`;
const png = file('alpha.png', 'image/png');
const gif = file('static.gif', 'image/gif');
const jpg = file('grayscale.jpg', 'image/jpeg');
const otherCloud = { cloud_name: OTHER.cloud_name, api_key: OTHER.api_key, api_secret: OTHER.api_secret };

describe('publish and delete_backed_up_assets through the SDK', async () => {
  const { cloudinary } = await loadSdk();
  const status = async (publicId: string) => (await fetch(cloudinary.url(`${publicId}.png`, { secure: false }))).status;

  it('publish_by_ids, _by_prefix and _by_tag make restricted assets public and purge their cached denials', async () => {
    const prefix = uid('pub');
    const ids = ['a', 'b', 'c'].map((s) => `${prefix}/${s}`);
    const tag = uid('pubtag');
    for (const id of ids)
      await cloudinary.uploader.upload(png, { public_id: id, access_mode: 'authenticated', tags: id.endsWith('c') ? [tag] : [] });
    expect(await status(ids[0])).not.toBe(200);

    const byIds = await cloudinary.api.publish_by_ids([ids[0], `${prefix}/missing`]);
    expect(byIds.published.map((r: { public_id: string }) => r.public_id)).toEqual([ids[0]]);
    expect(byIds.published[0]).toMatchObject({ access_mode: 'public', type: 'upload', resource_type: 'image' });
    expect(byIds.failed).toEqual([{ public_id: `${prefix}/missing`, error: `Resource not found - ${prefix}/missing` }]);
    expect(await status(ids[0])).toBe(200);
    expect((await cloudinary.api.resource(ids[0])).access_mode).toBe('public');

    const byTag = await cloudinary.api.publish_by_tag(tag);
    expect(byTag.published.map((r: { public_id: string }) => r.public_id)).toEqual([ids[2]]);
    expect((await cloudinary.api.resource(ids[1])).access_mode).toBe('authenticated');

    const byPrefix = await cloudinary.api.publish_by_prefix(`${prefix}/`);
    expect(byPrefix.published.map((r: { public_id: string }) => r.public_id)).toEqual(ids);
    expect(await status(ids[1])).toBe(200);

    // Another cloud cannot publish these.
    const elsewhere = await cloudinary.api.publish_by_ids([ids[0]], otherCloud);
    expect(elsewhere.published).toEqual([]);
    expect((await failure(cloudinary.api.publish_by_prefix('', {}))).http_code).toBe(400);
  });

  it('delete_backed_up_assets removes chosen backed-up versions for good', async () => {
    const id = uid('bk');
    const v1 = await cloudinary.uploader.upload(png, { public_id: id, backup: true });
    await cloudinary.uploader.upload(gif, { public_id: id, backup: true, overwrite: true });
    await cloudinary.uploader.upload(jpg, { public_id: id, backup: true, overwrite: true });
    const before = await cloudinary.api.resource(id, { versions: true });
    expect(before.versions).toHaveLength(3);
    const [first, second] = before.versions as { version_id: string; size: number }[];
    expect(first.size).toBe(v1.bytes);

    const answer = await asImplemented(cloudinary).api.delete_backed_up_assets(v1.asset_id, [first.version_id]);
    expect(answer).toMatchObject({ asset_id: v1.asset_id, deleted_version_ids: [first.version_id] });
    const after = await cloudinary.api.resource(id, { versions: true });
    expect(after.versions.map((v: { version_id: string }) => v.version_id)).toEqual(
      before.versions.slice(1).map((v: { version_id: string }) => v.version_id),
    );
    // A deleted version can no longer be restored; the other one still can.
    expect((await asImplemented(cloudinary).api.restore([id], { versions: [first.version_id] }))[id].error).toBeTruthy();
    expect((await failure(asImplemented(cloudinary).api.delete_backed_up_assets(v1.asset_id, [first.version_id]))).http_code).toBe(404);
    expect(
      (await failure(asImplemented(cloudinary).api.delete_backed_up_assets(v1.asset_id, [second.version_id], otherCloud))).http_code,
    ).toBe(404);
    expect((await failure(asImplemented(cloudinary).api.delete_backed_up_assets('not-an-asset-id', [second.version_id]))).http_code).toBe(
      400,
    );
    const restored = await asImplemented(cloudinary).api.restore([id], { versions: [second.version_id] });
    expect(restored[id].bytes).toBe(second.size);
  });
});
