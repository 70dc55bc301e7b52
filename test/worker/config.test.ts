import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { loadClouds, parseCloudinaryUrl, parseCloudsJson } from '../../src/config/clouds';
import { ConfigError } from '../../src/config/config-error';
import { basicAuth, DEMO, OTHER } from '../support/clouds';

const ctx = () => ({ waitUntil() {}, passThroughOnException() {}, props: {} }) as unknown as ExecutionContext;

describe('cloud configuration', () => {
  it('parses CLOUDINARY_URL as the SDKs write it', () => {
    expect(parseCloudinaryUrl('cloudinary://123:abc@demo')).toEqual({ cloudName: 'demo', apiKey: '123', apiSecret: 'abc' });
    expect(parseCloudinaryUrl('cloudinary://123:a%2Fb@demo?upload_prefix=http://x').apiSecret).toBe('a/b');
  });

  it.each([
    ['http://123:abc@demo', 'CLOUDINARY_URL'],
    ['cloudinary://123@demo', 'CLOUDINARY_URL'],
    ['cloudinary://1:2@v1_1', 'reserved'],
    ['cloudinary://1:2@bad name', 'CLOUDINARY_URL'],
  ])('rejects CLOUDINARY_URL=%s naming the variable', (value, text) => {
    expect(() => parseCloudinaryUrl(value)).toThrow(ConfigError);
    expect(() => parseCloudinaryUrl(value)).toThrow(text);
  });

  it.each([
    ['not json', 'not valid JSON'],
    ['{"cloud_name":"a"}', 'JSON array'],
    ['[{"cloud_name":"a","api_key":"k"}]', 'api_secret'],
    ['[{"cloud_name":"widget","api_key":"k","api_secret":"s"}]', 'reserved'],
  ])('rejects CLOUDS=%s', (value, text) => {
    expect(() => parseCloudsJson(value)).toThrow(text);
  });

  it('refuses a cloud defined twice', () => {
    expect(() =>
      loadClouds({ CLOUDINARY_URL: 'cloudinary://1:2@a', CLOUDS: '[{"cloud_name":"a","api_key":"3","api_secret":"4"}]' }),
    ).toThrow('defined twice');
  });

  it('answers a malformed variable with a page naming it, never a 500', async () => {
    for (const bad of [{ CLOUDINARY_URL: 'nonsense' }, { CLOUDS: '[{' }, { CLOUDINARY_URL: '', CLOUDS: '' }]) {
      const res = await worker.fetch(new Request('http://w/demo/image/upload/sample.jpg'), { ...env, ...bad }, ctx());
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(text).toMatch(/CLOUDINARY_URL|CLOUDS/);
      expect(res.headers.get('X-Cld-Error')).toContain('Configuration error');
    }
  });

  it('serves several clouds side by side', async () => {
    for (const c of [DEMO, OTHER]) {
      const res = await SELF.fetch(`http://w/v1_1/${c.cloud_name}/settings`, { headers: { Authorization: basicAuth(c) } });
      expect(res.status).toBe(200);
    }
  });
});
