import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/config/settings';
import { basicAuth, DEMO, OTHER, THIRD } from '../support/clouds';

const url = (cloud: string) => `http://w/v1_1/${cloud}/settings`;
const put = (cloud: string, auth: string, body: unknown) =>
  SELF.fetch(url(cloud), {
    method: 'PUT',
    headers: { Authorization: auth, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('GET/PUT /v1_1/<cloud>/settings', () => {
  it('answers the defaults for a cloud never configured', async () => {
    const res = await SELF.fetch(url(THIRD.cloud_name), { headers: { Authorization: basicAuth(THIRD) } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(DEFAULT_SETTINGS);
  });

  it('changes fields partially and keeps clouds apart', async () => {
    const res = await put(OTHER.cloud_name, basicAuth(OTHER), { backup: true, allowed_fetch_domains: ['Example.com', '*.cdn.net'] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ backup: true, allowed_fetch_domains: ['example.com', '*.cdn.net'], strict_transformations: false });
    const again = await (await SELF.fetch(url(OTHER.cloud_name), { headers: { Authorization: basicAuth(OTHER) } })).json();
    expect(again).toEqual(body);
    const demo = (await (await SELF.fetch(url(DEMO.cloud_name), { headers: { Authorization: basicAuth(DEMO) } })).json()) as Record<
      string,
      unknown
    >;
    expect(demo.allowed_fetch_domains).toEqual([]);
  });

  it.each([
    [{ nonsense: true }, 'Unknown setting: nonsense'],
    [{ backup: 'yes' }, 'backup'],
    [{ url_signature: 'md5' }, 'url_signature'],
    [{ allowed_fetch_domains: ['example.com:8080'] }, 'allowed_fetch_domains'],
    [{ allowed_upload_origins: ['example.com'] }, 'allowed_upload_origins'],
    [{ auth_token_key: 'xyz' }, 'auth_token_key'],
    [{ notification_url: 'ftp://x' }, 'notification_url'],
    [[1, 2], 'JSON object'],
  ])('rejects %j with 400', async (body, message) => {
    const res = await put(DEMO.cloud_name, basicAuth(DEMO), body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(message);
  });

  it('rejects a body that is not JSON with 400', async () => {
    const res = await SELF.fetch(url(DEMO.cloud_name), { method: 'PUT', headers: { Authorization: basicAuth(DEMO) }, body: '{nope' });
    expect(res.status).toBe(400);
  });

  it("needs this cloud's own Basic credentials", async () => {
    const none = await SELF.fetch(url(DEMO.cloud_name));
    expect(none.status).toBe(401);
    expect(await none.json()).toHaveProperty('error.message');
    const otherCreds = await SELF.fetch(url(DEMO.cloud_name), { headers: { Authorization: basicAuth(OTHER) } });
    expect(otherCreds.status).toBe(401);
    const wrongSecret = await put(DEMO.cloud_name, basicAuth({ ...DEMO, api_secret: 'nope' }), { backup: true });
    expect(wrongSecret.status).toBe(401);
    const unknownCloud = await SELF.fetch(url('nosuchcloud'), { headers: { Authorization: basicAuth(DEMO) } });
    expect(unknownCloud.status).toBe(401);
  });
});
