import { describe, expect, it } from 'vitest';
import { errorMessage, loadSdk, LOCAL_URL, uid } from '../support/sdk';
import { md5 } from '../support/upload';
import { fixtureBytes, fixturePath } from '../support/fixtures';

const alpha = fixtureBytes('alpha.png');

describe('explicit, destroy, rename, tags, text and delete tokens through the SDK', async () => {
  const { cloudinary, base } = await loadSdk();
  const up = (publicId: string, opts: Record<string, unknown> = {}) =>
    cloudinary.uploader.upload(fixturePath('alpha.png'), { public_id: publicId, ...opts });

  it('explicit updates tags, context and coordinates of an existing asset', async () => {
    const id = uid('exp');
    await up(id, { tags: ['old'] });
    const r = await cloudinary.uploader.explicit(id, {
      type: 'upload',
      tags: ['n1', 'n2'],
      context: { who: 'a=b' },
      face_coordinates: [[1, 2, 3, 4]],
    });
    expect(r.public_id).toBe(id);
    expect(r.tags).toEqual(['n1', 'n2']);
    expect(r.context).toEqual({ custom: { who: 'a=b' } });
    await expect(cloudinary.uploader.explicit(uid('missing'), { type: 'upload' })).rejects.toMatchObject({ http_code: 404 });
  });

  it('destroy answers ok, then delivery is 404 and a second destroy says not found', async () => {
    const id = uid('des');
    const r = await up(id);
    expect((await fetch(r.url)).status).toBe(200);
    expect(await cloudinary.uploader.destroy(id, { invalidate: true })).toEqual({ result: 'ok' });
    expect((await fetch(r.url)).status).toBe(404);
    expect((await fetch(`${base}/demo/image/upload/${id}.png`)).status).toBe(404);
    expect(await cloudinary.uploader.destroy(id)).toEqual({ result: 'not found' });
  });

  it('rename moves the asset, refuses an existing target unless overwrite, and honours to_type', async () => {
    const a = uid('ren_a');
    const b = uid('ren_b');
    const first = await up(a, { tags: ['keep'] });
    const moved = await cloudinary.uploader.rename(a, b);
    expect(moved).toMatchObject({ public_id: b, type: 'upload', format: 'png', bytes: alpha.length, tags: ['keep'] });
    expect(moved.version).toBeGreaterThanOrEqual(first.version);
    expect((await fetch(`${base}/demo/image/upload/${a}.png`)).status).toBe(404);
    const got = Buffer.from(await (await fetch(moved.url)).arrayBuffer());
    expect(got.equals(alpha)).toBe(true);

    const c = uid('ren_c');
    await cloudinary.uploader.upload(fixturePath('static.gif'), { public_id: c });
    await expect(cloudinary.uploader.rename(c, b)).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringContaining('already exists'),
    });
    const over = await cloudinary.uploader.rename(c, b, { overwrite: true, invalidate: true });
    expect(over.format).toBe('gif');
    expect(over.tags).toEqual([]);

    const priv = await cloudinary.uploader.rename(b, b, { to_type: 'private' });
    expect(priv.type).toBe('private');
    expect(await cloudinary.uploader.destroy(b)).toEqual({ result: 'not found' });
    expect(await cloudinary.uploader.destroy(b, { type: 'private' })).toEqual({ result: 'ok' });
    await expect(cloudinary.uploader.rename(uid('nothing'), uid('x'))).rejects.toMatchObject({ http_code: 404 });
  });

  it('add_tag, remove_tag, replace_tag and remove_all_tags answer with the ids that exist', async () => {
    const ids = [uid('tg1'), uid('tg2')];
    for (const id of ids) await up(id, { tags: ['base'] });
    const missing = uid('nosuch');
    expect(await cloudinary.uploader.add_tag('t1,t2', [...ids, missing])).toEqual({ public_ids: ids });
    let r = await cloudinary.uploader.explicit(ids[0], { type: 'upload' });
    expect([...r.tags].sort()).toEqual(['base', 't1', 't2']);
    expect(await cloudinary.uploader.remove_tag('t1', ids)).toEqual({ public_ids: ids });
    r = await cloudinary.uploader.explicit(ids[1], { type: 'upload' });
    expect([...r.tags].sort()).toEqual(['base', 't2']);
    await cloudinary.uploader.replace_tag('only', [ids[0]]);
    r = await cloudinary.uploader.explicit(ids[0], { type: 'upload' });
    expect(r.tags).toEqual(['only']);
    expect(await cloudinary.uploader.remove_all_tags(ids)).toEqual({ public_ids: ids });
    r = await cloudinary.uploader.explicit(ids[1], { type: 'upload' });
    expect(r.tags).toEqual([]);
  });

  it('text makes a deliverable PNG of type text whose size follows the font size and style', async () => {
    const id = uid('txt');
    const small = await cloudinary.uploader.text('Sample Name', {
      public_id: id,
      font_family: 'Arial',
      font_size: 12,
      font_color: 'black',
      opacity: 90,
    });
    expect(small).toMatchObject({ public_id: id, type: 'text', format: 'png', resource_type: 'image' });
    expect(small.url).toBe(`${base}/demo/image/text/v${small.version}/${id}.png`);
    expect(small.height).toBeGreaterThanOrEqual(12);
    expect(small.height).toBeLessThan(20);
    expect(small.width).toBeGreaterThan(50);
    expect(small.width).toBeLessThan(90);
    const res = await fetch(small.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(small.width);
    expect(md5(png)).toBe(small.etag);

    const big = await cloudinary.uploader.text('Sample Name', {
      public_id: uid('txt'),
      font_size: 48,
      font_weight: 'bold',
      font_style: 'italic',
      background: '#ff0000',
      text_decoration: 'underline',
    });
    expect(big.height).toBeGreaterThan(small.height * 3);
    expect(big.width).toBeGreaterThan(small.width * 3);
    const auto = await cloudinary.uploader.text('Same text');
    expect(auto.public_id).toMatch(/^[0-9a-f]{32}$/);
    expect((await cloudinary.uploader.text('Same text')).public_id).toBe(auto.public_id);
    await expect(cloudinary.uploader.text('x', { font_color: 'red"/><script>' })).rejects.toMatchObject({ http_code: 400 });
  });

  it('a delete token deletes its asset through delete_by_token, once', async () => {
    const id = uid('tok');
    const r = await up(id, { return_delete_token: true });
    expect(r.delete_token).toMatch(/^[0-9a-f]{64}$/);
    const call = () =>
      fetch(`${base}/v1_1/demo/delete_by_token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: r.delete_token }),
      });
    const res = await call();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: 'ok' });
    expect((await fetch(r.url)).status).toBe(404);
    const again = await call();
    expect(again.status).toBe(400);
    expect(await errorMessage(again)).toMatch(/delete token/);
  });

  it('unsigned_upload works with an unsigned preset made through the Admin API, and only with one', async () => {
    const name = uid('preset');
    const folder = uid('uf');
    await cloudinary.api.create_upload_preset({ name, unsigned: true, folder, tags: 'from_preset' });
    const r = await cloudinary.uploader.unsigned_upload(fixturePath('alpha.png'), name, { public_id: 'mine', context: { k: 'v' } });
    expect(r).toMatchObject({ public_id: `${folder}/mine`, tags: ['from_preset'], context: { custom: { k: 'v' } }, width: 782 });
    expect(Buffer.from(await (await fetch(r.url)).arrayBuffer()).equals(alpha)).toBe(true);
    // Unsigned uploads never overwrite unless the preset says so.
    const again = await cloudinary.uploader.unsigned_upload(fixturePath('static.gif'), name, { public_id: 'mine' });
    expect(again).toMatchObject({ version: r.version, format: 'png', existing: true });
    await expect(cloudinary.uploader.unsigned_upload(fixturePath('alpha.png'), name, { overwrite: true })).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringContaining('not allowed'),
    });

    const signedOnly = uid('signed');
    await cloudinary.api.create_upload_preset({ name: signedOnly, unsigned: false });
    await expect(cloudinary.uploader.unsigned_upload(fixturePath('alpha.png'), signedOnly)).rejects.toMatchObject({
      http_code: 400,
      message: 'Upload preset must be whitelisted for unsigned uploads',
    });
    await expect(cloudinary.uploader.unsigned_upload(fixturePath('alpha.png'), uid('nopreset'))).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringContaining('Upload preset not found'),
    });
    // A signed upload may name a signed-only preset; its parameters apply under the request's.
    const s = await cloudinary.uploader.upload(fixturePath('alpha.png'), { upload_preset: name, public_id: 'signed_one', tags: 'own' });
    expect(s).toMatchObject({ public_id: `${folder}/signed_one`, tags: ['own'] });
    expect(cloudinary.url('sample', LOCAL_URL).startsWith(base)).toBe(true);
  });
});
