import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { configFrom } from '../../src/config/config';
import { ConfigError } from '../../src/config/config-error';
import { LIMIT_VARIABLES, LIMITS_OFF_AT_ZERO, type Limits } from '../../src/config/limits';
import { basicAuth, DEMO } from '../support/clouds';

const ctx = () => ({ waitUntil() {}, passThroughOnException() {}, props: {} }) as unknown as ExecutionContext;
const withVars = (vars: Record<string, string>) => ({ ...env, ...vars });

/** Every variable the configuration reads, with values that must be refused. */
const MALFORMED: [variable: string, value: string][] = [
  ...(Object.entries(LIMIT_VARIABLES) as [keyof Limits, (typeof LIMIT_VARIABLES)[keyof Limits]][]).flatMap(
    ([key, [variable]]): [string, string][] => [
      [variable, 'abc'],
      // 0 is a value of its own for the limits it turns off.
      ...(LIMITS_OFF_AT_ZERO.has(key) ? [] : ([[variable, '0']] as [string, string][])),
      [variable, '-5'],
      [variable, '1.5'],
      [variable, '20MB'],
    ],
  ),
  ['JOB_RETRY_BASE_SECONDS', 'soon'],
  ['JOB_RETRY_MAX_SECONDS', '0'],
  ['JOB_MAX_RETRIES', '-1'],
  ['JOB_MAX_RETRIES', 'eight'],
  ['ALLOW_PRIVATE_NETWORK_FETCH', 'yes'],
  ['ENABLE_DEMO_PAGES', '1'],
  ['DELIVERY_BASE_URL', 'media.example.com'],
  ['DELIVERY_BASE_URL', 'ftp://media.example.com'],
  ['DELIVERY_BASE_URL', 'https://media.example.com/?x=1'],
  ['CF_API_BASE_URL', 'not a url'],
];

describe('configuration variables', () => {
  it.each([...LIMITS_OFF_AT_ZERO])('reads 0 for %s as the limit turned off, not as malformed', (key) => {
    const [variable] = LIMIT_VARIABLES[key];
    expect(configFrom(withVars({ [variable]: '0' })).limits[key]).toBe(0);
  });

  it.each(MALFORMED)('a malformed %s (%s) answers every request with 503 naming it', async (variable, value) => {
    const vars = withVars({ [variable]: value });
    expect(() => configFrom(vars)).toThrow(ConfigError);
    expect(() => configFrom(vars)).toThrow(variable);

    const delivery = await worker.fetch(new Request('http://w/demo/image/upload/sample.jpg'), vars, ctx());
    expect(delivery.status).toBe(503);
    expect(delivery.headers.get('x-cld-error')).toContain(`Configuration error in ${variable}`);
    expect(await delivery.text()).toContain(`Fix the ${variable} variable`);

    const api = await worker.fetch(
      new Request(`http://w/v1_1/demo/settings`, { headers: { Authorization: basicAuth(DEMO) } }),
      vars,
      ctx(),
    );
    expect(api.status).toBe(503);
    expect(api.headers.get('x-cld-error')).toContain(variable);
  });

  it('says what was expected and what it got', () => {
    expect(() => configFrom(withVars({ MAX_UPLOAD_BYTES: '20MB' }))).toThrow(
      'Configuration error in MAX_UPLOAD_BYTES: expected a whole number of at least 1, got "20MB"',
    );
    expect(() => configFrom(withVars({ ENABLE_DEMO_PAGES: 'on' }))).toThrow(
      'Configuration error in ENABLE_DEMO_PAGES: expected "true" or "false", got "on"',
    );
  });

  it('a zone without a token, or a token without a zone, is named too', () => {
    expect(() => configFrom(withVars({ CF_ZONE_ID: 'zone' }))).toThrow(/CF_API_TOKEN/);
    expect(() => configFrom(withVars({ CF_API_TOKEN: 'token' }))).toThrow(/CF_ZONE_ID/);
  });

  it('reads well-formed values, and blank or unset ones as the defaults', () => {
    const config = configFrom(
      withVars({
        MAX_UPLOAD_BYTES: '50000',
        FETCH_TIMEOUT_MS: ' 2500 ',
        MAX_IMAGE_PIXELS: '',
        JOB_MAX_RETRIES: '0',
        ALLOW_PRIVATE_NETWORK_FETCH: 'false',
        ENABLE_DEMO_PAGES: 'true',
        DELIVERY_BASE_URL: 'https://media.example.com/assets//',
        CF_ZONE_ID: 'zone',
        CF_API_TOKEN: 'token',
      }),
    );
    expect(config.limits.maxUploadBytes).toBe(50_000);
    expect(config.limits.fetchTimeoutMs).toBe(2_500);
    expect(config.limits.maxImagePixels).toBe(LIMIT_VARIABLES.maxImagePixels[1]);
    expect(config.limits.maxDecodePixels).toBe(Number(env.MAX_DECODE_PIXELS));
    expect(config.jobRetry.maxRetries).toBe(0);
    expect(config.allowPrivateNetworkFetch).toBe(false);
    expect(config.enableDemoPages).toBe(true);
    expect(config.deliveryBaseUrl).toBe('https://media.example.com/assets');
    expect(config.cloudflarePurge).toEqual({ zoneId: 'zone', apiToken: 'token', apiBaseUrl: 'https://api.cloudflare.com/client/v4' });
    expect(config.clouds.byName.get('demo')?.apiKey).toBe(DEMO.api_key);
  });

  it('is parsed once per env object, and code reads the parsed values', async () => {
    const vars = withVars({ MAX_UPLOAD_BYTES: '1000' });
    expect(configFrom(vars)).toBe(configFrom(vars));
    expect(configFrom(env)).not.toBe(configFrom(vars));

    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(2000)]), 'big.bin');
    form.set('upload_preset', 'none');
    const res = await worker.fetch(new Request('http://w/v1_1/demo/raw/upload', { method: 'POST', body: form }), vars, ctx());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^File size too large/);
  });
});
