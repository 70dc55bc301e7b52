import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { asImplemented, errorMessage, loadSdk, LOCAL_URL, uid } from '../support/sdk';
import { basicAuth, DEMO, OTHER } from '../support/clouds';
import { fixtureBytes } from '../support/fixtures';

const photo = fixtureBytes('photo-1mp.jpg');
const dataUri = `data:image/jpeg;base64,${photo.toString('base64')}`;
const SIG = /\/s--([A-Za-z0-9_-]+)--\//;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Every URL that differs from `url` in exactly one character of its `s--SIG--`. */
function flippedSignatures(url: string): string[] {
  const sig = SIG.exec(url)![1];
  return [...sig].map((ch, i) => {
    const other = ALPHABET[(ALPHABET.indexOf(ch) + 1) % ALPHABET.length];
    return url.replace(`/s--${sig}--/`, `/s--${sig.slice(0, i)}${other}${sig.slice(i + 1)}--/`);
  });
}

async function expectDenied(url: string, why: RegExp = /./) {
  const res = await fetch(url);
  expect(res.status, url).toBe(401);
  expect(res.headers.get('x-cld-error'), url).toMatch(why);
  expect(res.headers.get('cache-control')).toMatch(/no-store/);
  expect((await res.arrayBuffer()).byteLength).toBe(0);
  return res;
}

/** A derived image 100 pixels wide (the tests ask for w_100), with the given Cache-Control. */
async function expectDerived(url: string, cacheControl: RegExp) {
  const res = await fetch(url);
  expect(res.status, `${url}: ${res.headers.get('x-cld-error')}`).toBe(200);
  expect(res.headers.get('cache-control')).toMatch(cacheControl);
  const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
  expect(meta.width).toBe(100);
}

async function expectOriginal(url: string, cacheControl: RegExp) {
  const res = await fetch(url);
  expect(res.status, `${url}: ${res.headers.get('x-cld-error')}`).toBe(200);
  expect(res.headers.get('cache-control')).toMatch(cacheControl);
  expect(Buffer.from(await res.arrayBuffer()).equals(photo)).toBe(true);
}

describe('access control through the SDK (demo cloud)', async () => {
  const { cloudinary, base } = await loadSdk();
  const url = (id: string, opts: Record<string, unknown> = {}) => cloudinary.url(id, { ...LOCAL_URL, format: 'jpg', ...opts });

  describe('private assets', () => {
    it('serve the original only with a valid signature, in every form the SDK signs', async () => {
      const id = uid('priv');
      await cloudinary.uploader.upload(dataUri, { public_id: id, type: 'private' });
      await expectDenied(url(id, { type: 'private' }), /private/);
      await expectOriginal(url(id, { type: 'private', sign_url: true }), /private, no-store/);
      await expectOriginal(url(id, { type: 'private', sign_url: true, signature_algorithm: 'sha256' }), /private, no-store/);
      await expectOriginal(url(id, { type: 'private', sign_url: true, long_url_signature: true }), /private, no-store/);
      await expectOriginal(url(id, { type: 'private', sign_url: true, version: 1234567890 }), /private, no-store/);
    });

    it('serve derived versions without a signature, as shareable answers', async () => {
      const id = uid('priv');
      await cloudinary.uploader.upload(dataUri, { public_id: id, type: 'private' });
      await expectDerived(url(id, { type: 'private', width: 100, crop: 'scale' }), /^public/);
      await expectDerived(url(id, { type: 'private', width: 100, crop: 'scale', sign_url: true }), /^public/);
      await expectDenied(url(id, { type: 'private' }), /private/);
    });

    it('answer HEAD and conditional requests under the same rules', async () => {
      const id = uid('priv');
      await cloudinary.uploader.upload(dataUri, { public_id: id, type: 'private' });
      const signed = url(id, { type: 'private', sign_url: true });
      const head = await fetch(signed, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('cache-control')).toBe('private, no-store');
      const etag = head.headers.get('etag')!;
      const again = await fetch(signed, { headers: { 'If-None-Match': etag } });
      expect(again.status).toBe(304);
      expect(again.headers.get('cache-control')).toBe('private, no-store');
      expect((await fetch(url(id, { type: 'private' }), { method: 'HEAD' })).status).toBe(401);
      expect((await fetch(url(id, { type: 'private' }), { headers: { 'If-None-Match': etag } })).status).toBe(401);
    });

    it('deny the same way whether or not the asset exists', async () => {
      const missing = await expectDenied(url(uid('nothing'), { type: 'private' }));
      const id = uid('priv');
      await cloudinary.uploader.upload(dataUri, { public_id: id, type: 'private' });
      const existing = await expectDenied(url(id, { type: 'private' }));
      expect(existing.headers.get('x-cld-error')).toBe(missing.headers.get('x-cld-error'));
    });

    it('refuse tampered, truncated, re-targeted and other-cloud signatures', async () => {
      const id = uid('priv');
      await cloudinary.uploader.upload(dataUri, { public_id: id, type: 'private' });
      for (const opts of [{}, { long_url_signature: true }]) {
        const signed = url(id, { type: 'private', sign_url: true, ...opts });
        for (const bad of flippedSignatures(signed)) await expectDenied(bad, /Invalid signature/);
        const sig = SIG.exec(signed)![1];
        await expectDenied(signed.replace(`s--${sig}--`, `s--${sig.slice(0, -1)}--`), /Invalid signature length/);
      }
      await expectDenied(url(id, { type: 'private', sign_url: true, api_secret: OTHER.api_secret }), /Invalid signature/);
      const other = uid('priv');
      const signedForOther = url(other, { type: 'private', sign_url: true });
      await expectDenied(signedForOther.replace(other, id), /Invalid signature/);
    });

    it('a tampered signature is refused on public assets too', async () => {
      const id = uid('pub');
      await cloudinary.uploader.upload(dataUri, { public_id: id });
      await expectOriginal(url(id), /public/);
      await expectOriginal(url(id, { sign_url: true }), /public/);
      for (const bad of flippedSignatures(url(id, { sign_url: true }))) await expectDenied(bad, /Invalid signature/);
    });
  });

  describe('authenticated assets', () => {
    it('need a signature for the original', async () => {
      const id = uid('auth');
      await cloudinary.uploader.upload(dataUri, { public_id: id, type: 'authenticated' });
      await expectDenied(url(id, { type: 'authenticated' }), /authenticated/);
      await expectDenied(url(uid('nothing'), { type: 'authenticated' }), /authenticated/);
      await expectOriginal(url(id, { type: 'authenticated', sign_url: true }), /private, no-store/);
      await expectOriginal(url(id, { type: 'authenticated', sign_url: true, long_url_signature: true }), /private, no-store/);
      for (const bad of flippedSignatures(url(id, { type: 'authenticated', sign_url: true }))) await expectDenied(bad, /Invalid signature/);
      await expectDenied(url(id, { type: 'authenticated', sign_url: true, api_secret: OTHER.api_secret }), /Invalid signature/);
    });

    it('need a signature for derived versions too', async () => {
      const id = uid('auth');
      await cloudinary.uploader.upload(dataUri, { public_id: id, type: 'authenticated' });
      await expectDenied(url(id, { type: 'authenticated', width: 100, crop: 'scale' }), /authenticated/);
      await expectDenied(
        url(id, {
          type: 'authenticated',
          transformation: [
            { width: 200, crop: 'scale' },
            { width: 100, crop: 'scale' },
          ],
        }),
        /authenticated/,
      );
      await expectDerived(url(id, { type: 'authenticated', width: 100, crop: 'scale', sign_url: true }), /private, no-store/);
      const chained = {
        type: 'authenticated',
        transformation: [
          { width: 200, crop: 'scale' },
          { width: 100, crop: 'scale' },
        ],
        sign_url: true,
      };
      await expectDerived(url(id, chained), /private, no-store/);
      for (const bad of flippedSignatures(url(id, chained))) await expectDenied(bad, /Invalid signature/);
      // a derived image made for a signed request is not handed out unsigned afterwards
      await expectDenied(url(id, { type: 'authenticated', width: 100, crop: 'scale' }), /authenticated/);
    });
  });

  describe('access_mode=authenticated on upload assets (update_access_mode)', () => {
    const api = () => cloudinary.api;

    it('by ids: denies the same upload URL until switched back to public', async () => {
      const id = uid('mode');
      await cloudinary.uploader.upload(dataUri, { public_id: id });
      await expectOriginal(url(id), /public/);

      const missing = uid('nothing');
      const res = await api().update_resources_access_mode_by_ids('authenticated', [id, missing]);
      expect(res.updated).toEqual([{ public_id: id, access_mode: 'authenticated' }]);
      expect(res.failed).toEqual([{ public_id: missing, error: `Resource not found - ${missing}` }]);
      await expectDenied(url(id), /authenticated access/);
      await expectDenied(url(id, { width: 100, crop: 'scale' }), /authenticated access/);
      await expectOriginal(url(id, { sign_url: true }), /private, no-store/);
      await expectDerived(url(id, { width: 100, crop: 'scale', sign_url: true }), /private, no-store/);

      const back = await api().update_resources_access_mode_by_ids('public', [id]);
      expect(back.updated).toEqual([{ public_id: id, access_mode: 'public' }]);
      await expectOriginal(url(id), /^public/);
      await expectDerived(url(id, { width: 100, crop: 'scale' }), /^public/);
    });

    it('by prefix and by tag', async () => {
      const folder = uid('modefolder');
      const tag = uid('modetag');
      const ids = [`${folder}/a`, `${folder}/b`];
      for (const public_id of ids) await cloudinary.uploader.upload(dataUri, { public_id, tags: [tag] });
      const outsider = uid('modeout');
      await cloudinary.uploader.upload(dataUri, { public_id: outsider });

      const byPrefix = await api().update_resources_access_mode_by_prefix('authenticated', `${folder}/`);
      expect(byPrefix.updated.map((u: { public_id: string }) => u.public_id)).toEqual(ids);
      for (const id of ids) await expectDenied(url(id));
      await expectOriginal(url(outsider), /public/);

      const byTag = await api().update_resources_access_mode_by_tag('public', tag);
      expect(byTag.updated).toEqual(ids.map((public_id) => ({ public_id, access_mode: 'public' })));
      for (const id of ids) await expectOriginal(url(id), /public/);
    });

    it('answers errors the SDK reports', async () => {
      const err = await api()
        .update_resources_access_mode_by_ids('secret', ['x'])
        .catch((e: { error: { http_code: number; message: string } }) => e.error);
      expect(err.http_code).toBe(400);
      expect(err.message).toMatch(/access_mode/);
      const noSelector = await fetch(`${base}/v1_1/demo/resources/image/upload/update_access_mode`, {
        method: 'POST',
        headers: { Authorization: basicAuth(DEMO), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'access_mode=public',
      });
      expect(noSelector.status).toBe(400);
      const wrongKey = await api()
        .update_resources_access_mode_by_ids('public', ['x'], { api_secret: 'nope' })
        .catch((e: { error: { http_code: number } }) => e.error);
      expect(wrongKey.http_code).toBe(401);
    });
  });

  describe('private_download_url', () => {
    it('delivers a private original until it expires, then 401', async () => {
      const id = uid('dl');
      await cloudinary.uploader.upload(dataUri, { public_id: id, type: 'private' });
      const now = Math.floor(Date.now() / 1000);
      const ok = await fetch(cloudinary.utils.private_download_url(id, 'jpg', { type: 'private', expires_at: now + 60 }));
      expect(ok.status).toBe(200);
      expect(ok.headers.get('cache-control')).toBe('private, no-store');
      expect(ok.headers.get('content-disposition')).toBeNull();
      expect(Buffer.from(await ok.arrayBuffer()).equals(photo)).toBe(true);

      const attached = await fetch(cloudinary.utils.private_download_url(id, 'jpg', { type: 'private', attachment: true }));
      expect(attached.status).toBe(200);
      expect(attached.headers.get('content-disposition')).toContain(`attachment; filename="${id}.jpg"`);

      // expires_at governs even when the timestamp is older than the usual hour
      const longLived = asImplemented(cloudinary).utils.private_download_url(id, 'jpg', {
        type: 'private',
        timestamp: now - 7200,
        expires_at: now + 60,
      });
      expect((await fetch(longLived)).status).toBe(200);

      const expired = await fetch(cloudinary.utils.private_download_url(id, 'jpg', { type: 'private', expires_at: now - 1 }));
      expect(expired.status).toBe(401);
      expect(await errorMessage(expired)).toMatch(/Expired/);
      const stale = await fetch(
        asImplemented(cloudinary).utils.private_download_url(id, 'jpg', { type: 'private', timestamp: now - 7200 }),
      );
      expect(stale.status).toBe(401);
      expect(await errorMessage(stale)).toMatch(/Stale/);
    });

    it('delivers raw files and answers HEAD without a body', async () => {
      const id = `${uid('dlraw')}.txt`;
      const text = 'private notes\n';
      await cloudinary.uploader.upload(`data:text/plain;base64,${Buffer.from(text).toString('base64')}`, {
        public_id: id,
        type: 'private',
        resource_type: 'raw',
      });
      const link = cloudinary.utils.private_download_url(id, '', { type: 'private', resource_type: 'raw', attachment: true });
      const res = await fetch(link);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(text);
      expect(res.headers.get('content-disposition')).toContain(`filename="${id}"`);
      const head = await fetch(link, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(text.length));
      expect(head.headers.get('cache-control')).toBe('private, no-store');
      expect((await head.arrayBuffer()).byteLength).toBe(0);
    });

    it('refuses tampered parameters, other secrets and unknown assets', async () => {
      const id = uid('dl');
      await cloudinary.uploader.upload(dataUri, { public_id: id, type: 'authenticated' });
      const good = cloudinary.utils.private_download_url(id, 'jpg', { type: 'authenticated' });
      expect((await fetch(good)).status).toBe(200);
      const signature = new URL(good).searchParams.get('signature')!;
      for (let i = 0; i < signature.length; i++) {
        const flipped = signature.slice(0, i) + (signature[i] === '0' ? '1' : '0') + signature.slice(i + 1);
        const res = await fetch(good.replace(`signature=${signature}`, `signature=${flipped}`));
        expect(res.status).toBe(401);
        expect(await errorMessage(res)).toMatch(/Invalid Signature/);
      }
      const other = uid('dl');
      expect((await fetch(good.replace(`public_id=${id}`, `public_id=${other}`))).status).toBe(401);
      expect(
        (
          await fetch(
            asImplemented(cloudinary).utils.private_download_url(id, 'jpg', { type: 'authenticated', api_secret: OTHER.api_secret }),
          )
        ).status,
      ).toBe(401);
      const missing = await fetch(cloudinary.utils.private_download_url(other, 'jpg', { type: 'authenticated' }));
      expect(missing.status).toBe(404);
      expect(await errorMessage(missing)).toBe(`Resource not found - ${other}`);
    });
  });
});
