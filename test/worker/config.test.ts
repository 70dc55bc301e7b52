import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { loadClouds, parseCloudinaryUrl, parseCloudsJson } from '../../src/config/clouds';
import { ConfigError } from '../../src/config/config-error';
import { basicAuth, DEMO, OTHER } from '../support/clouds';

const ctx = () => ({ waitUntil() {}, passThroughOnException() {}, props: {} }) as unknown as ExecutionContext;

describe('cloud configuration', () => {
  it('parses CLOUDINARY_URL as the SDKs write it', () => {
    expect(parseCloudinaryUrl('cloudinary://123:abc@demo')).toEqual({
      cloudName: 'demo',
      apiKey: '123',
      apiSecret: 'abc',
      source: 'CLOUDINARY_URL',
    });
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

  it('reads entries sharing a cloud name as several keys of one cloud, the first one primary', () => {
    const a = loadClouds({
      CLOUDINARY_URL: 'cloudinary://1:2@a',
      CLOUDS: '[{"cloud_name":"a","api_key":"3","api_secret":"4"}]',
    }).byName.get('a')!;
    expect(a.keys.map((k) => [k.apiKey, k.apiSecret, k.source])).toEqual([
      ['1', '2', 'CLOUDINARY_URL'],
      ['3', '4', 'CLOUDS entry 0'],
    ]);
    expect([a.apiKey, a.apiSecret]).toEqual(['1', '2']);
  });

  it('accepts the same key and secret named twice as one key', () => {
    const a = loadClouds({
      CLOUDINARY_URL: 'cloudinary://1:2@a',
      CLOUDS: '[{"cloud_name":"a","api_key":"1","api_secret":"2"}]',
    }).byName.get('a')!;
    expect(a.keys).toHaveLength(1);
  });

  it('refuses one key with two secrets, naming both places', () => {
    const load = () =>
      loadClouds({
        CLOUDINARY_URL: 'cloudinary://1:2@a',
        CLOUDS: '[{"cloud_name":"b","api_key":"9","api_secret":"9"},{"cloud_name":"a","api_key":"1","api_secret":"3"}]',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow('api_key 1 of cloud "a" has two different secrets (CLOUDINARY_URL and CLOUDS entry 1)');
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

  it('answers 503 naming both places when one key has two secrets', async () => {
    const bad = { CLOUDINARY_URL: 'cloudinary://1:2@demo', CLOUDS: '[{"cloud_name":"demo","api_key":"1","api_secret":"3"}]' };
    const res = await worker.fetch(new Request('http://w/v1_1/demo/ping'), { ...env, ...bad }, ctx());
    expect(res.status).toBe(503);
    expect(res.headers.get('X-Cld-Error')).toContain('(CLOUDINARY_URL and CLOUDS entry 0)');
  });

  it('serves several clouds side by side', async () => {
    for (const c of [DEMO, OTHER]) {
      const res = await SELF.fetch(`http://w/v1_1/${c.cloud_name}/settings`, { headers: { Authorization: basicAuth(c) } });
      expect(res.status).toBe(200);
    }
  });
});
