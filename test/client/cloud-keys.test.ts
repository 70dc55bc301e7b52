import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO, OTHER, ROTATING, ROTATING_NEW } from '../support/clouds';
import { asImplemented, loadSdk, uid } from '../support/sdk';

type Sdk = Awaited<ReturnType<typeof loadSdk>>['cloudinary'];
const photo = fileURLToPath(new URL('../fixtures/alpha.png', import.meta.url));
const as = (k: { cloud_name: string; api_key: string; api_secret: string }) => ({ ...k });

/**
 * A cloud with two API keys (two CLOUDS entries sharing its name), as during a
 * secret rotation: every credential check takes either key, through the SDK.
 */
describe('several API keys of one cloud', () => {
  let cloudinary: Sdk;
  beforeAll(async () => {
    ({ cloudinary } = await loadSdk());
  });

  it('uploads, reads through the Admin API and signs URLs with either key', async () => {
    for (const key of [ROTATING, ROTATING_NEW]) {
      const publicId = uid('rotate');
      const up = await cloudinary.uploader.upload(photo, { ...as(key), public_id: publicId });
      expect(up.public_id).toBe(publicId);
      // The answer is signed with the secret of the key that signed the call, the one the caller knows.
      const expected = createHash('sha1').update(`public_id=${publicId}&version=${up.version}${key.api_secret}`).digest('hex');
      expect(up.signature).toBe(expected);
      const renamed = await asImplemented(cloudinary).uploader.rename(publicId, `${publicId}_r`, as(key));
      expect(renamed.signature).toBe(
        createHash('sha1').update(`public_id=${publicId}_r&version=${renamed.version}${key.api_secret}`).digest('hex'),
      );
      await asImplemented(cloudinary).uploader.rename(`${publicId}_r`, publicId, as(key));
      // The other key sees the same cloud.
      const other = key === ROTATING ? ROTATING_NEW : ROTATING;
      expect((await cloudinary.api.resource(publicId, as(other))).public_id).toBe(publicId);
      for (const signer of [key, other]) {
        const url = cloudinary.url(publicId, { ...as(signer), secure: false, sign_url: true, width: 20, crop: 'scale', format: 'png' });
        const res = await fetch(url);
        expect(res.status, url).toBe(200);
        await res.arrayBuffer();
      }
    }
  });

  it('refuses a key with the secret of the other key, and keys of other clouds', async () => {
    const mixed = { ...as(ROTATING_NEW), api_secret: ROTATING.api_secret };
    await expect(cloudinary.api.ping(mixed)).rejects.toMatchObject({ error: { http_code: 401 } });
    await expect(cloudinary.uploader.upload(photo, { ...mixed, public_id: uid('mixed') })).rejects.toMatchObject({ http_code: 401 });
    const foreign = { ...as(OTHER), cloud_name: ROTATING.cloud_name };
    await expect(cloudinary.api.ping(foreign)).rejects.toMatchObject({ error: { http_code: 401 } });
    const url = cloudinary.url('whatever', { ...as(ROTATING), api_secret: OTHER.api_secret, secure: false, sign_url: true, width: 20 });
    expect((await fetch(url)).status).toBe(401);
  });

  it('accepts a cloud named identically in CLOUDINARY_URL and CLOUDS', async () => {
    expect((await cloudinary.api.ping(as(DEMO))).status).toBe('ok');
  });
});
