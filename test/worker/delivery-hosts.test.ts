import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { pathOnCloudHost } from '../../src/protocol/delivery-url';
import { basicAuth, DEMO, OTHER } from '../support/clouds';
import { fixture, storeImage, uid } from './support/fixtures';
import { dims } from './support/images';

/** The `hosts` setting: URLs without the cloud segment (private CDN, CNAME, use_root_path) on a cloud's own host names. */
const putSettings = (cloud: typeof DEMO, body: unknown) =>
  SELF.fetch(`http://w/v1_1/${cloud.cloud_name}/settings`, {
    method: 'PUT',
    headers: { Authorization: basicAuth(cloud), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
const T = { timeout: 120_000 };

describe('per-cloud hosts', () => {
  const demoHost = `${uid('cdn')}.example.test`.replace(/_/g, '-');
  const otherHost = `${uid('other')}.example.test`.replace(/_/g, '-');
  const photo = uid('hosted');
  beforeAll(async () => {
    await storeImage(photo, fixture('photo-1mp.jpg'));
    expect((await putSettings(DEMO, { hosts: [demoHost.toUpperCase()] })).status).toBe(200);
    expect((await putSettings(OTHER, { hosts: [otherHost] })).status).toBe(200);
  });

  it('rewrites paths without the cloud segment', () => {
    expect(pathOnCloudHost('/image/upload/a_0/x.jpg', 'c')).toBe('/c/image/upload/a_0/x.jpg');
    expect(pathOnCloudHost('/images/x/seo.jpg', 'c')).toBe('/c/images/x/seo.jpg');
    expect(pathOnCloudHost('/a_0/x', 'c')).toBe('/c/image/upload/a_0/x');
    expect(pathOnCloudHost('/x.jpg', 'c')).toBe('/c/image/upload/x.jpg');
    expect(pathOnCloudHost('/c/image/upload/x.jpg', 'c')).toBe('/c/image/upload/x.jpg');
    expect(pathOnCloudHost('/c/x.jpg', 'c')).toBe('/c/image/upload/c/x.jpg');
  });

  it.each([
    ['/image/upload/c_scale,w_100/PHOTO.png', '100x75'],
    ['/image/upload/v1/PHOTO.jpg', '1152x864'],
    ['/c_scale,w_50/PHOTO.png', '50x38'],
    ['/PHOTO.jpg', '1152x864'],
    ['/images/PHOTO/any-seo-name.jpg', '1152x864'],
    ['/demo/image/upload/c_scale,w_60/PHOTO.png', '60x45'],
  ])('serves %s on the cloud host', T, async (path, expected) => {
    const res = await SELF.fetch(`http://${demoHost}${path.replace('PHOTO', photo)}`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(new Uint8Array(await res.arrayBuffer()))).toBe(expected);
  });

  it('keeps clouds apart: another cloud host does not serve this cloud assets', T, async () => {
    const res = await SELF.fetch(`http://${otherHost}/${photo}.jpg`);
    expect(res.status).toBe(404);
    const unmapped = await SELF.fetch(`http://unmapped.example.test/image/upload/${photo}.jpg`);
    // Without a mapping `image` reads as the cloud name and `upload` as the resource type, as before.
    expect(unmapped.status).toBe(400);
  });

  it('refuses a host another cloud serves, and malformed host names', async () => {
    const taken = await putSettings(OTHER, { hosts: [demoHost] });
    expect(taken.status).toBe(400);
    expect(JSON.stringify(await taken.json())).toContain('already used by another cloud');
    for (const hosts of [['cdn.example.com:8080'], ['*.example.com'], ['https://cdn.example.com'], 'cdn.example.com']) {
      const res = await putSettings(DEMO, { hosts });
      expect(res.status, JSON.stringify(hosts)).toBe(400);
    }
    const again = (await (await SELF.fetch(`http://w/v1_1/demo/settings`, { headers: { Authorization: basicAuth(DEMO) } })).json()) as {
      hosts: string[];
    };
    expect(again.hosts).toEqual([demoHost.toLowerCase()]);
  });
});
