import { describe, expect, it } from 'vitest';
import { escapeToLower, parseAuthToken, tokenHmac, verifyAuthToken, type TokenContext } from '../../src/auth/token';
import { CldError } from '../../src/errors';

const KEY = '00112233FF99';
const at = (seconds: number) => seconds * 1000;

async function denial(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CldError);
  expect((err as CldError).status).toBe(401);
  return (err as CldError).message;
}

const ctx = (rawPath: string, now: number, extra: Partial<TokenContext> = {}): TokenContext => ({
  keyHex: KEY,
  rawPath,
  cloud: rawPath.split('/')[1],
  clientIp: null,
  now: at(now),
  ...extra,
});

describe('auth token algorithm', () => {
  it('escapes like the SDK: unsafe characters as lower-case %xx, % itself included', () => {
    expect(escapeToLower('/image/*')).toBe('%2fimage%2f*');
    expect(escapeToLower('/f/a%20b.jpg')).toBe('%2ff%2fa%2520b.jpg');
    expect(escapeToLower('t_foobar/*/!x,y(z)')).toBe('t_foobar%2f*%2f!x,y(z)');
  });

  it('computes known HMACs', async () => {
    expect(await tokenHmac(KEY, 'st=1111111111~exp=1111111411~acl=%2fimage%2f*')).toBe(
      '1751370bcc6cfe9e03f30dd1a9722ba0f2cdca283fa3e6df3342a00a7528cc51',
    );
    expect(await tokenHmac(KEY, 'exp=1700000000~url=%2fdemo%2fimage%2fauthenticated%2fv1%2ffolder%2fa%20b.jpg')).toBe(
      'e8b59010e7e832212724d214857d789b8595e4f12cd9f6cd370afc10a4f876b4',
    );
  });

  it.each([
    [
      'st=1111111111~exp=1111111411~acl=%2fimage%2f*~hmac=1751370bcc6cfe9e03f30dd1a9722ba0f2cdca283fa3e6df3342a00a7528cc51',
      '/demo/image/upload/x.jpg',
      1111111200,
    ],
    [
      'st=222222222~exp=222222522~acl=%2f*%2ft_foobar~hmac=8e39600cc18cec339b21fe2b05fcb64b98de373355f8ce732c35710d8b10259f',
      '/demo/image/upload/t_foobar',
      222222300,
    ],
    [
      'st=222222222~exp=222222522~acl=%2f*%2ft_foobar!t_foobar%2f*%2f~hmac=45d51dd32dd26a3c2339155f454076c1d8fbd93c611965461569a0b4279bbdd5',
      '/demo/image/upload/t_foobar',
      222222300,
    ],
    [
      'st=11111111~exp=11111411~hmac=9bd6f41e2a5893da8343dc8eb648de8bf73771993a6d1457d49851250caf3b80',
      '/test123/image/authenticated/v1486020273/sample.jpg',
      11111200,
    ],
    [
      'st=11111111~exp=11111411~hmac=cd6c4c5b65d4760b813299c665d5cc58f3c8a77204e3b2a4b8641e268466927a',
      '/test123/image/authenticated/c_scale,w_100/v1/folder/a%20b.jpg',
      11111200,
    ],
    [
      'st=11111111~exp=11111411~acl=%2fimage%2fauthenticated%2f*~hmac=60c8afe62e276a0d5eff7abe4a163f32444fb9c5450fb4822679e13d87a9489d',
      '/test123/image/authenticated/c_scale,w_100/v1/folder/a%20b.jpg',
      11111200,
    ],
    [
      'exp=1700000000~hmac=e8b59010e7e832212724d214857d789b8595e4f12cd9f6cd370afc10a4f876b4',
      '/demo/image/authenticated/v1/folder/a b.jpg',
      1699999999,
    ],
  ])('accepts the spec token %s for %s', async (token, path, now) => {
    await expect(verifyAuthToken(parseAuthToken(token), ctx(path, now))).resolves.toBeUndefined();
  });

  it('checks the client IP a token names', async () => {
    const token = parseAuthToken(
      'ip=1.2.3.4~exp=1700000000~acl=%2fimage%2f*!%2fvideo%2f*~hmac=0834a4d2716f9d2f5afbaed484c8b2dd9800c2e7b692e3fc462c48be335054e4',
    );
    await verifyAuthToken(token, ctx('/demo/video/upload/a.mp4', 1699999999, { clientIp: '1.2.3.4' }));
    expect(await denial(verifyAuthToken(token, ctx('/demo/video/upload/a.mp4', 1699999999, { clientIp: '5.6.7.8' })))).toMatch(/IP/);
    expect(await denial(verifyAuthToken(token, ctx('/demo/video/upload/a.mp4', 1699999999)))).toMatch(/IP/);
  });

  it('refuses expired and not-yet-valid tokens, other paths, other keys and tampered parts', async () => {
    const good = 'st=1111111111~exp=1111111411~acl=%2fimage%2f*~hmac=1751370bcc6cfe9e03f30dd1a9722ba0f2cdca283fa3e6df3342a00a7528cc51';
    expect(await denial(verifyAuthToken(parseAuthToken(good), ctx('/demo/image/upload/x.jpg', 1111111412)))).toBe('Token expired');
    expect(await denial(verifyAuthToken(parseAuthToken(good), ctx('/demo/image/upload/x.jpg', 1111111110)))).toBe('Token not yet valid');
    expect(await denial(verifyAuthToken(parseAuthToken(good), ctx('/demo/raw/upload/x.txt', 1111111200)))).toMatch(/acl/);
    expect(
      await denial(verifyAuthToken(parseAuthToken(good), ctx('/demo/image/upload/x.jpg', 1111111200, { keyHex: '00112233FF98' }))),
    ).toMatch(/mismatch/);
    const later = good.replace('exp=1111111411', 'exp=1111119999');
    expect(await denial(verifyAuthToken(parseAuthToken(later), ctx('/demo/image/upload/x.jpg', 1111111200)))).toMatch(/mismatch/);
    const urlToken = 'st=11111111~exp=11111411~hmac=9bd6f41e2a5893da8343dc8eb648de8bf73771993a6d1457d49851250caf3b80';
    expect(
      await denial(verifyAuthToken(parseAuthToken(urlToken), ctx('/test123/image/authenticated/v1486020273/other.jpg', 11111200))),
    ).toMatch(/mismatch/);
    for (let i = 0; i < 64; i++) {
      const hex = '1751370bcc6cfe9e03f30dd1a9722ba0f2cdca283fa3e6df3342a00a7528cc51';
      const flipped = hex.slice(0, i) + (hex[i] === '0' ? '1' : '0') + hex.slice(i + 1);
      const t = good.replace(hex, flipped);
      expect(await denial(verifyAuthToken(parseAuthToken(t), ctx('/demo/image/upload/x.jpg', 1111111200)))).toMatch(/mismatch/);
    }
  });

  it('refuses malformed tokens with a 401', async () => {
    for (const bad of [
      '',
      'exp=1',
      'hmac=zz',
      'exp=abc~hmac=' + '0'.repeat(64),
      'exp=1~exp=2~hmac=' + '0'.repeat(64),
      'novalue~hmac=' + '0'.repeat(64),
    ]) {
      expect(() => parseAuthToken(bad)).toThrow(CldError);
    }
  });
});
