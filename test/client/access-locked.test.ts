import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { asImplemented, loadSdk, LOCAL_URL, uid } from '../support/sdk';
import { basicAuth, LOCKED, OTHER } from '../support/clouds';
import { fixtureBytes } from '../support/fixtures';

/**
 * Tests that change cloud settings (tokens, url_signature, strict
 * transformations) run here, on the `locked` cloud no other test file uses,
 * one after another.
 */
const photo = fixtureBytes('photo-1mp.jpg');
const dataUri = `data:image/jpeg;base64,${photo.toString('base64')}`;
const KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const CREDENTIALS = { cloud_name: LOCKED.cloud_name, api_key: LOCKED.api_key, api_secret: LOCKED.api_secret };
const now = () => Math.floor(Date.now() / 1000);

async function expectDenied(url: string, why: RegExp) {
  const res = await fetch(url);
  expect(res.status, url).toBe(401);
  expect(res.headers.get('x-cld-error'), url).toMatch(why);
  expect(res.headers.get('cache-control')).toMatch(/no-store/);
}

async function expectDerived(url: string, width: number, cacheControl: RegExp) {
  const res = await fetch(url);
  expect(res.status, `${url}: ${res.headers.get('x-cld-error')}`).toBe(200);
  expect(res.headers.get('cache-control')).toMatch(cacheControl);
  expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).toBe(width);
}

async function expectOriginal(url: string, cacheControl: RegExp) {
  const res = await fetch(url);
  expect(res.status, `${url}: ${res.headers.get('x-cld-error')}`).toBe(200);
  expect(res.headers.get('cache-control')).toMatch(cacheControl);
  expect(Buffer.from(await res.arrayBuffer()).equals(photo)).toBe(true);
}

describe('access control on a cloud with its own settings', async () => {
  const { cloudinary, base } = await loadSdk();
  const url = (id: string, opts: Record<string, unknown> = {}) =>
    cloudinary.url(id, { ...LOCAL_URL, ...CREDENTIALS, format: 'jpg', ...opts });
  const upload = (public_id: string, opts: Record<string, unknown> = {}) =>
    cloudinary.uploader.upload(dataUri, { ...CREDENTIALS, public_id, ...opts });

  async function settings(patch: Record<string, unknown>) {
    const res = await fetch(`${base}/v1_1/${LOCKED.cloud_name}/settings`, {
      method: 'PUT',
      headers: { Authorization: basicAuth(LOCKED), 'Content-Type': 'application/json' },
      body: JSON.stringify(patch),
    });
    expect(res.status).toBe(200);
    return res.json();
  }

  describe('token-based access (__cld_token__)', () => {
    it('serves authenticated originals with SDK tokens in the exp, st, acl and url forms', async () => {
      await settings({ auth_token_key: KEY, strict_transformations: false, url_signature: 'sha1-8' });
      const id = uid('tok');
      await upload(id, { type: 'authenticated' });
      const auth = (auth_token: Record<string, unknown>) =>
        url(id, { type: 'authenticated', sign_url: true, auth_token: { key: KEY, ...auth_token } });

      await expectDenied(url(id, { type: 'authenticated' }), /authenticated/);
      expect(auth({ duration: 300 })).toContain('__cld_token__=exp=');
      await expectOriginal(auth({ duration: 300 }), /private, no-store/);
      await expectOriginal(auth({ start_time: now() - 5, duration: 300 }), /private, no-store/);
      await expectOriginal(auth({ duration: 300, acl: `/${LOCKED.cloud_name}/image/authenticated/*` }), /private, no-store/);
      await expectOriginal(auth({ duration: 300, acl: '/image/authenticated/*' }), /private, no-store/);
      await expectOriginal(auth({ duration: 300, acl: ['/video/*', '/image/*'] }), /private, no-store/);
      await expectDerived(
        url(id, { type: 'authenticated', width: 120, crop: 'scale', sign_url: true, auth_token: { key: KEY, duration: 300 } }),
        120,
        /private, no-store/,
      );
      await expectDenied(url(id, { type: 'authenticated', width: 120, crop: 'scale' }), /authenticated/);

      const plain = url(id, { type: 'authenticated' });
      const aclToken = cloudinary.utils.generate_auth_token({ key: KEY, duration: 300, acl: '/image/*' });
      await expectOriginal(`${plain}?${aclToken}`, /private, no-store/);
      const urlToken = asImplemented(cloudinary).utils.generate_auth_token({ key: KEY, duration: 300, url: new URL(plain).pathname });
      await expectOriginal(`${plain}?${urlToken}`, /private, no-store/);
    });

    it('refuses expired, early, misdirected, foreign and tampered tokens', async () => {
      const id = uid('tok');
      await upload(id, { type: 'authenticated' });
      const auth = (auth_token: Record<string, unknown>) =>
        url(id, { type: 'authenticated', sign_url: true, auth_token: { key: KEY, ...auth_token } });

      await expectDenied(auth({ expiration: now() - 1 }), /Token expired/);
      await expectDenied(auth({ start_time: now() - 600, duration: 300 }), /Token expired/);
      await expectDenied(auth({ start_time: now() + 600, duration: 300 }), /not yet valid/);
      await expectDenied(auth({ duration: 300, acl: '/image/upload/*' }), /acl/);
      await expectDenied(auth({ duration: 300, key: 'ffeeddccbbaa99887766554433221100' }), /mismatch/);
      await expectDenied(auth({ duration: 300, ip: '203.0.113.9' }), /IP/);

      const other = uid('tok');
      const forOther = url(other, { type: 'authenticated', sign_url: true, auth_token: { key: KEY, duration: 300 } });
      await expectDenied(forOther.replace(other, id), /mismatch/);

      const good = auth({ duration: 300 });
      const hmac = /hmac=([0-9a-f]{64})/.exec(good)![1];
      for (let i = 0; i < hmac.length; i += 7) {
        const flipped = hmac.slice(0, i) + (hmac[i] === '0' ? '1' : '0') + hmac.slice(i + 1);
        await expectDenied(good.replace(hmac, flipped), /mismatch/);
      }
      await expectDenied(
        good.replace(/exp=(\d+)/, (_, e) => `exp=${Number(e) + 3600}`),
        /mismatch/,
      );
      await expectDenied(`${url(id, { type: 'authenticated' })}?__cld_token__=exp=1~hmac=zz`, /Invalid token/);
    });

    it('works for access_mode=authenticated upload assets, and needs the cloud key', async () => {
      const id = uid('tokmode');
      await upload(id);
      await cloudinary.api.update_resources_access_mode_by_ids('authenticated', [id], CREDENTIALS);
      await expectDenied(url(id), /authenticated access/);
      await expectOriginal(url(id, { sign_url: true, auth_token: { key: KEY, duration: 300 } }), /private, no-store/);

      await settings({ auth_token_key: null });
      await expectDenied(url(id, { sign_url: true, auth_token: { key: KEY, duration: 300 } }), /not configured/);
      await settings({ auth_token_key: KEY });
    });
  });

  describe('url_signature setting', () => {
    it('sha256-32 accepts only the long signature; sha1-8 accepts all three forms', async () => {
      const id = uid('sig');
      await upload(id, { type: 'private' });
      await settings({ url_signature: 'sha256-32' });
      await expectDenied(url(id, { type: 'private', sign_url: true }), /32-character/);
      await expectDenied(url(id, { type: 'private', sign_url: true, signature_algorithm: 'sha256' }), /32-character/);
      await expectOriginal(url(id, { type: 'private', sign_url: true, long_url_signature: true }), /private, no-store/);
      await expectDenied(
        url(id, { type: 'private', sign_url: true, long_url_signature: true, api_secret: OTHER.api_secret }),
        /Invalid signature/,
      );

      await settings({ url_signature: 'sha1-8' });
      await expectOriginal(url(id, { type: 'private', sign_url: true }), /private, no-store/);
      await expectOriginal(url(id, { type: 'private', sign_url: true, signature_algorithm: 'sha256' }), /private, no-store/);
      await expectOriginal(url(id, { type: 'private', sign_url: true, long_url_signature: true }), /private, no-store/);
    });
  });

  describe('strict transformations', () => {
    it('deny unsigned derived URLs with the reason, but not originals named with their extension', async () => {
      const id = uid('strict');
      await upload(id);
      const priv = uid('strictpriv');
      await upload(priv, { type: 'private' });
      await settings({ strict_transformations: true });
      try {
        await expectOriginal(url(id), /^public/);
        await expectDenied(
          url(id, { width: 100, crop: 'scale' }),
          /^Transformation c_scale,w_100 is not allowed: strict transformations are on/,
        );
        await expectDenied(url(id, { transformation: 'thumb_not_defined' }), /Transformation t_thumb_not_defined is not allowed/);
        await expectDenied(url(id, { format: 'png' }), /format png is not allowed/);
        await expectDenied(url(id, { format: undefined }), /without an extension is not allowed/);
        await expectDenied(url(priv, { type: 'private', width: 100, crop: 'scale' }), /strict transformations are on/);
        await expectDenied(url(uid('missing'), { type: 'private', width: 100, crop: 'scale' }), /strict transformations are on/);
        const withToken = url(id, { width: 100, crop: 'scale', sign_url: true, auth_token: { key: KEY, duration: 300 } });
        await expectDenied(withToken, /strict transformations are on/);
        await expectDenied(
          url(id, { width: 100, crop: 'scale', sign_url: true }).replace(/s--(.)/, (_, c) => `s--${c === 'A' ? 'B' : 'A'}`),
          /Invalid signature/,
        );
        await expectOriginal(url(id, { format: undefined, sign_url: true }), /^public/);
        await expectDerived(url(id, { width: 100, crop: 'scale', sign_url: true }), 100, /^public/);
        await expectDerived(url(id, { width: 100, crop: 'scale', sign_url: true, long_url_signature: true }), 100, /^public/);
        await expectDerived(url(priv, { type: 'private', width: 100, crop: 'scale', sign_url: true }), 100, /^public/);
        // generated on the fly for a signed URL: still not an eager derived, so the unsigned URL stays closed
        await expectDenied(url(id, { width: 100, crop: 'scale' }), /strict transformations are on/);
      } finally {
        await settings({ strict_transformations: false });
      }
      // off again: the same unsigned URLs work at once (this isolate wrote the setting)
      await expectDerived(url(id, { width: 100, crop: 'scale' }), 100, /^public/);
      await expectDerived(url(priv, { type: 'private', width: 100, crop: 'scale' }), 100, /^public/);
      await expectOriginal(url(id, { format: undefined }), /^public/);
    });

    it('serve eager derived images (upload and explicit) unsigned, with their own extension only', async () => {
      const id = uid('eager');
      await upload(id, {
        eager: [
          { width: 100, crop: 'scale' },
          { width: 80, crop: 'scale', format: 'png' },
        ],
      });
      const priv = uid('eagerpriv');
      await upload(priv, { type: 'private', eager: [{ width: 100, crop: 'scale' }] });
      await settings({ strict_transformations: true });
      try {
        await expectDerived(url(id, { width: 100, crop: 'scale' }), 100, /^public/);
        await expectDerived(url(id, { width: 80, crop: 'scale', format: 'png' }), 80, /^public/);
        await expectDerived(url(priv, { type: 'private', width: 100, crop: 'scale' }), 100, /^public/);
        await expectDenied(url(id, { width: 80, crop: 'scale' }), /Transformation c_scale,w_80 is not allowed/);
        await expectDenied(url(id, { width: 101, crop: 'scale' }), /Transformation c_scale,w_101 is not allowed/);
        await expectDenied(url(priv, { type: 'private' }), /requires a signed URL/);

        await expectDenied(url(id, { width: 60, crop: 'scale' }), /not allowed/);
        await cloudinary.uploader.explicit(id, { ...CREDENTIALS, type: 'upload', eager: [{ width: 60, crop: 'scale' }] });
        await expectDerived(url(id, { width: 60, crop: 'scale' }), 60, /^public/);

        // a new version replaces the eager set: the old eager URL closes
        await upload(id, { overwrite: true });
        await expectDenied(url(id, { width: 100, crop: 'scale' }), /not allowed/);
      } finally {
        await settings({ strict_transformations: false });
      }
    });
  });

  it('open transformations marked allowed_for_strict through the Admin API', async () => {
    const id = uid('allowed');
    await upload(id);
    const name = uid('strictname');
    await cloudinary.api.create_transformation(name, { width: 70, crop: 'scale' }, CREDENTIALS);
    await settings({ strict_transformations: true });
    try {
      await expectDenied(url(id, { width: 90, crop: 'scale' }), /c_scale,w_90 is not allowed/);
      // named transformations are created allowed for strict, as at Cloudinary: close this one first
      await asImplemented(cloudinary).api.update_transformation(name, { allowed_for_strict: false }, CREDENTIALS);
      await expectDenied(url(id, { transformation: name }), new RegExp(`t_${name} is not allowed`));

      await asImplemented(cloudinary).api.update_transformation('c_scale,w_90', { allowed_for_strict: true }, CREDENTIALS);
      await expectDerived(url(id, { width: 90, crop: 'scale' }), 90, /^public/);
      await expectDenied(url(id, { width: 91, crop: 'scale' }), /c_scale,w_91 is not allowed/);

      await asImplemented(cloudinary).api.update_transformation(name, { allowed_for_strict: true }, CREDENTIALS);
      // past the access stage now: whatever the engine answers for t_<name>, it is not the strict 401
      const res = await fetch(url(id, { transformation: name }));
      expect(res.headers.get('x-cld-error') ?? '').not.toMatch(/strict/);
      expect(res.status).not.toBe(401);

      await asImplemented(cloudinary).api.update_transformation('c_scale,w_90', { allowed_for_strict: false }, CREDENTIALS);
      await expectDenied(url(id, { width: 90, crop: 'scale' }), /c_scale,w_90 is not allowed/);
    } finally {
      await settings({ strict_transformations: false });
    }
  });

  describe('access_mode given at upload', () => {
    it('keeps the upload URL closed until update_access_mode opens it', async () => {
      const id = uid('upmode');
      const result = await upload(id, { access_mode: 'authenticated' });
      expect(result.access_mode).toBe('authenticated');
      await expectDenied(url(id), /authenticated access/);
      await expectOriginal(url(id, { sign_url: true }), /private, no-store/);
      await cloudinary.api.update_resources_access_mode_by_ids('public', [id], CREDENTIALS);
      await expectOriginal(url(id), /^public/);
    });
  });
});
