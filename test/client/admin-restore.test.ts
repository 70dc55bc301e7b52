import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asImplemented, loadSdk, uid } from '../support/sdk';
import { basicAuth, THIRD } from '../support/clouds';
import { fixtureBytes } from '../support/fixtures';

const pngBytes = fixtureBytes('alpha.png');
const gifBytes = fixtureBytes('static.gif');
const png = `data:image/png;base64,${pngBytes.toString('base64')}`;
const gif = `data:image/gif;base64,${gifBytes.toString('base64')}`;
const third = { cloud_name: THIRD.cloud_name, api_key: THIRD.api_key, api_secret: THIRD.api_secret };

describe("restore through the SDK, with the cloud's backup setting on", async () => {
  const { cloudinary, base } = await loadSdk();
  const setBackup = async (on: boolean) => {
    const res = await fetch(`${base}/v1_1/third/settings`, {
      method: 'PUT',
      headers: { Authorization: basicAuth(THIRD), 'Content-Type': 'application/json' },
      body: JSON.stringify({ backup: on }),
    });
    expect(res.status).toBe(200);
  };
  beforeAll(() => setBackup(true));
  afterAll(() => setBackup(false));

  it('restores different versions of a deleted asset', async () => {
    const id = uid('restore');
    const first = await cloudinary.uploader.upload(png, { ...third, public_id: id });
    expect((await cloudinary.api.delete_resources([id], third)).deleted[id]).toBe('deleted');
    const placeholder = await cloudinary.api.resource(id, { ...third, versions: true });
    expect(placeholder.placeholder).toBe(true);
    expect(placeholder.bytes).toBe(0);
    expect(placeholder.versions).toHaveLength(1);

    const second = await cloudinary.uploader.upload(gif, { ...third, public_id: id });
    expect((await cloudinary.api.delete_resources([id], third)).deleted[id]).toBe('deleted');
    const { versions } = await cloudinary.api.resource(id, { ...third, versions: true });
    expect(versions.map((v: { size: number }) => v.size)).toEqual([first.bytes, second.bytes]);

    const r1 = await asImplemented(cloudinary).api.restore([id], { ...third, versions: [versions[0].version_id] });
    expect(r1[id].bytes).toBe(first.bytes);
    expect((await cloudinary.api.resource(id, third)).bytes).toBe(first.bytes);
    const r2 = await asImplemented(cloudinary).api.restore([id], { ...third, versions: [versions[1].version_id] });
    expect(r2[id].bytes).toBe(second.bytes);
    const delivered = await fetch(`${base}/third/image/upload/${id}`);
    expect(delivered.status).toBe(200);
    expect(Buffer.from(await delivered.arrayBuffer()).equals(gifBytes)).toBe(true);
  });

  it('restores two deleted assets at once, and says which had nothing to restore', async () => {
    const a = uid('ra');
    const b = uid('rb');
    const upA = await cloudinary.uploader.upload(png, { ...third, public_id: a });
    const upB = await cloudinary.uploader.upload(gif, { ...third, public_id: b });
    const del = await cloudinary.api.delete_resources([a, b], third);
    expect(del.deleted).toEqual({ [a]: 'deleted', [b]: 'deleted' });
    const never = uid('never');
    const res = await asImplemented(cloudinary).api.restore([a, b, never], third);
    expect(res[a].bytes).toBe(upA.bytes);
    expect(res[b].bytes).toBe(upB.bytes);
    expect(res[never].error).toBeTypeOf('string');
    expect((await cloudinary.api.resource(b, third)).placeholder).toBe(false);
  });
});
