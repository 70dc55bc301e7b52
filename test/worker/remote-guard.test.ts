import { describe, expect, it } from 'vitest';
import { CldError } from '../../src/errors';
import { hostProblem, parseIpv4, parseIpv6 } from '../../src/services/remote/address';
import { checkRemoteUrl, domainAllowed } from '../../src/services/remote/policy';
import { guardedFetch, guardedRequest } from '../../src/services/remote/fetcher';

const DENY = { allowPrivate: false };

/** URLs that must never be fetched when private networks are not allowed, and the reason given. */
const DENIED: ReadonlyArray<readonly [url: string, reason: RegExp]> = [
  ['http://127.0.0.1/', /loopback/],
  ['http://127.255.255.254:8080/x.jpg', /loopback/],
  ['http://2130706433/', /loopback/],
  ['http://0x7f.1/', /loopback/],
  ['http://0x7f000001/', /loopback/],
  ['http://017700000001/', /loopback/],
  ['http://0177.0.0.1/', /loopback/],
  ['http://127.1/', /loopback/],
  ['http://127.0.1/', /loopback/],
  ['http://127.0.0.1./', /loopback/],
  ['http://0/', /unspecified/],
  ['http://0.0.0.0/', /unspecified/],
  ['http://10.0.0.1/', /private/],
  ['http://172.16.5.4/', /private/],
  ['http://172.31.255.255/', /private/],
  ['http://192.168.1.1/', /private/],
  ['http://100.64.0.1/', /CGNAT/],
  ['http://100.100.100.200/latest/meta-data/', /CGNAT/],
  ['http://169.254.169.254/latest/meta-data/', /metadata/],
  ['http://0xa9fea9fe/', /metadata/],
  ['http://224.0.0.1/', /multicast/],
  ['http://255.255.255.255/', /broadcast/],
  ['http://[::1]/', /loopback/],
  ['http://[::]/', /unspecified/],
  ['http://[0:0:0:0:0:0:0:1]/', /loopback/],
  ['http://[::ffff:127.0.0.1]/', /loopback.*embedded/],
  ['http://[::ffff:7f00:1]/', /loopback.*embedded/],
  ['http://[::ffff:a9fe:a9fe]/', /metadata.*embedded/],
  ['http://[::127.0.0.1]/', /loopback.*embedded/],
  ['http://[64:ff9b::10.0.0.1]/', /private.*embedded/],
  ['http://[2002:7f00:1::]/', /loopback.*embedded/],
  ['http://[fe80::1]/', /link-local/],
  ['http://[fd00:ec2::254]/', /unique local/],
  ['http://[fc00::1]/', /unique local/],
  ['http://[ff02::1]/', /multicast/],
  ['http://[2001:0:4136:e378::1]/', /Teredo/],
  ['http://localhost/', /local host name/],
  ['http://LOCALHOST:8787/', /local host name/],
  ['http://localhost./', /local host name/],
  ['http://foo.localhost/', /local host name/],
  ['http://metadata.google.internal/computeMetadata/v1/', /local host name/],
  ['http://printer.local/', /local host name/],
  ['http://intranet/', /single-label/],
];

/** Public hosts that must pass, including ones that look close to the denied forms. */
const ALLOWED: readonly string[] = [
  'https://example.com/a.jpg',
  'http://8.8.8.8/x.png',
  'http://1.1.1.1:8080/',
  'http://172.32.0.1/',
  'http://100.128.0.1/',
  'http://11.0.0.1/',
  'http://[2606:4700:4700::1111]/',
  'http://[::ffff:8.8.8.8]/',
  'https://localhost.example.com/',
  'https://my-localhost.com/',
  'https://127.0.0.1.nip.example/',
];

describe('remote address guard', () => {
  it('has a table of at least 30 denied URLs', () => {
    expect(DENIED.length).toBeGreaterThanOrEqual(30);
  });

  for (const [url, reason] of DENIED) {
    it(`denies ${url}`, () => {
      let error: unknown;
      try {
        checkRemoteUrl(url, DENY);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(CldError);
      expect((error as CldError).status).toBe(403);
      expect((error as CldError).message).toMatch(reason);
    });
  }

  for (const url of ALLOWED) {
    it(`allows ${url}`, () => {
      expect(checkRemoteUrl(url, DENY).href).toBe(new URL(url).href);
    });
  }

  it('allows every address when private networks are allowed', () => {
    for (const [url] of DENIED) expect(checkRemoteUrl(url, { allowPrivate: true }).hostname).toBe(new URL(url).hostname);
  });

  it.each([
    ['ftp://example.com/a.jpg', /only http and https/],
    ['file:///etc/passwd', /only http and https/],
    ['data:image/png;base64,AAAA', /only http and https/],
    ['javascript:alert(1)', /only http and https/],
    ['gopher://example.com/', /only http and https/],
    ['not a url', /Invalid remote URL/],
    ['http://user:pass@example.com/', /credentials/],
  ])('refuses %s with 400', (url, reason) => {
    expect(() => checkRemoteUrl(url, { allowPrivate: true })).toThrowError(reason);
    try {
      checkRemoteUrl(url, { allowPrivate: true });
    } catch (err) {
      expect((err as CldError).status).toBe(400);
    }
  });
});

describe('address parsing', () => {
  it.each([
    ['127.0.0.1', 0x7f000001],
    ['2130706433', 0x7f000001],
    ['0x7f.1', 0x7f000001],
    ['017700000001', 0x7f000001],
    ['127.1', 0x7f000001],
    ['10.1.2', 0x0a010002],
    ['0x', 0],
  ])('reads IPv4 %s', (text, value) => {
    expect(parseIpv4(text)).toBe(value);
  });

  it.each(['256.0.0.1', '1.2.3.4.5', '4294967296', '08.0.0.1', 'example.com', '1.2.3.x', ''])('rejects IPv4 %s', (text) => {
    expect(parseIpv4(text)).toBeNull();
  });

  it.each([
    ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['::ffff:127.0.0.1', [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]],
    ['2001:db8::8:800:200c:417a', [0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]],
    ['fe80::1%eth0', [0xfe80, 0, 0, 0, 0, 0, 0, 1]],
  ])('reads IPv6 %s', (text, groups) => {
    expect(parseIpv6(text)).toEqual(groups);
  });

  it.each(['1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', 'example.com', ':::'])('rejects IPv6 %s', (text) => {
    expect(parseIpv6(text)).toBeNull();
  });

  it('calls public names and addresses public', () => {
    expect(hostProblem('images.example.org')).toBeNull();
    expect(hostProblem('93.184.216.34')).toBeNull();
  });
});

describe('allowed_fetch_domains', () => {
  it.each([
    ['example.com', ['example.com'], true],
    ['EXAMPLE.com', ['example.com'], true],
    ['example.com.', ['example.com'], true],
    ['img.example.com', ['example.com'], false],
    ['img.example.com', ['*.example.com'], true],
    ['a.b.example.com', ['*.example.com'], true],
    ['example.com', ['*.example.com'], false],
    ['badexample.com', ['*.example.com'], false],
    ['example.com.evil.net', ['example.com'], false],
    ['other.org', ['example.com', 'other.org'], true],
  ] as const)('%s against %j: %s', (host, list, expected) => {
    expect(domainAllowed(host, list)).toBe(expected);
  });

  it('ignores the port and denies with 403 naming the host', () => {
    const policy = { allowPrivate: true, allowedDomains: ['127.0.0.1'] };
    expect(checkRemoteUrl('http://127.0.0.1:9999/a.jpg', policy).port).toBe('9999');
    expect(() => checkRemoteUrl('http://localhost:9999/a.jpg', policy)).toThrowError(/localhost is not in allowed_fetch_domains/);
  });
});

describe('guarded fetch refuses before connecting', () => {
  const opts = { allowPrivate: false, maxBytes: 1000, timeoutMs: 1000, accept: 'image' as const };

  it('rejects a private address without a network attempt', async () => {
    const started = Date.now();
    await expect(guardedFetch('http://127.0.0.1:1/x.jpg', opts)).rejects.toThrowError(/loopback address 127\.0\.0\.1/);
    await expect(guardedRequest('http://[::ffff:10.0.0.1]/hook', { ...opts, method: 'POST', body: '{}' })).rejects.toMatchObject({
      status: 403,
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
