import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { basicAuth, THIRD } from '../support/clouds';
import { loadSdk, uid } from '../support/sdk';

/** Private-CDN, CNAME and root-path URLs built by the Node SDK resolve through the `hosts` setting. */
describe('hosts: URLs without the cloud segment', async () => {
  const { cloudinary, base } = await loadSdk();
  const port = new URL(base).port;
  const creds = { cloud_name: THIRD.cloud_name, api_key: THIRD.api_key, api_secret: THIRD.api_secret };
  const settings = (hosts: string[]) =>
    fetch(`${base}/v1_1/${THIRD.cloud_name}/settings`, {
      method: 'PUT',
      headers: { Authorization: basicAuth(THIRD), 'Content-Type': 'application/json' },
      body: JSON.stringify({ hosts }),
    });
  afterAll(async () => {
    await settings([]);
  });

  it('serves private_cdn, cname and use_root_path URLs on the cloud host', async () => {
    expect((await settings(['localhost'])).status).toBe(200);
    const publicId = `hosted_${uid()}`;
    const bytes = readFileSync(new URL('../fixtures/photo-1mp.jpg', import.meta.url));
    await cloudinary.uploader.upload(`data:image/jpeg;base64,${bytes.toString('base64')}`, { public_id: publicId, ...creds });
    const common = { ...creds, secure: false, private_cdn: true, cname: `localhost:${port}` };
    const cases: [object, string][] = [
      [{ width: 100, crop: 'scale', format: 'png' }, '100x75'],
      [{ use_root_path: true, width: 50, crop: 'scale', format: 'png' }, '50x38'],
      [{ use_root_path: true, format: 'jpg' }, '1152x864'],
      [{ url_suffix: 'seo-name', format: 'jpg' }, '1152x864'],
    ];
    for (const [options, expected] of cases) {
      const url = cloudinary.url(publicId, { ...common, ...options });
      expect(url).not.toContain(`/${THIRD.cloud_name}/`);
      const res = await fetch(url);
      expect(res.status, `${url} ${res.headers.get('x-cld-error')}`).toBe(200);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect(`${meta.width}x${meta.height}`, url).toBe(expected);
    }
  });
});
