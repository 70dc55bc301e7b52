import { describe, expect, it } from 'vitest';
import {
  computeUrlSignature,
  SHA1_SHORT,
  SHA256_LONG,
  SHA256_SHORT,
  urlSignatureCandidates,
  verifyUrlSignature,
} from '../../src/auth/url-signature';
import { parseDeliveryPath } from '../../src/protocol/delivery-url';
import { CldError } from '../../src/errors';

/** Known signatures: [string to sign, secret, form, signature]. */
const VECTORS: Array<[string, string, typeof SHA1_SHORT, string]> = [
  ['sample.jpg', 'abcd', SHA1_SHORT, 'lGdq5NKO'],
  ['c_fill,h_200,w_300/sample.jpg', 'abcd', SHA1_SHORT, 'm_vGKjpX'],
  ['folder/sample.jpg', 'abcd', SHA1_SHORT, '8JqrVVE7'],
  ['sample.jpg', 'abcd', SHA256_SHORT, 'ZpqZj1Oc'],
  ['sample.jpg', 'abcd', SHA256_LONG, 'ZpqZj1Oc4nbeNu4FrlHDZCbYtTcdr4st'],
  ['c_scale,w_100/e_sepia/sample.jpg', 'abcd', SHA1_SHORT, 'cTpl75_8'],
  ['w_100/https://example.com/img.png', 'abcd', SHA1_SHORT, 'ew40YK8h'],
  ['t_blip blop/sample', 'abcd', SHA1_SHORT, 'U9AtWCyQ'],
  ['a%20b', 'abcd', SHA1_SHORT, '7PAoWh9e'],
  ['l_text:Times New Roman_12:a%20b/sample', 'abcd', SHA1_SHORT, 'NHsZ0ef7'],
  ['image.jpg', 'b', SHA1_SHORT, '--SjmNDA'],
  ['c_crop,h_20,w_10/image.jpg', 'b', SHA1_SHORT, 'Ai4Znfl3'],
  ['sample.jpg', 'b', SHA1_SHORT, 'v2fTPYTu'],
  ['sample.jpg', 'b', SHA256_SHORT, '2hbrSMPO'],
  ['sample.jpg', 'b', SHA256_LONG, '2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf'],
  ['http://google.com/path/to/image.png', 'b', SHA1_SHORT, 'hH_YcbiS'],
  ['co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D/image.jpg', 'b', SHA1_SHORT, 'Uqk1a-5W'],
  ['test.jpg', 'b', SHA1_SHORT, 's2G9O_wT'],
];

/** URLs the SDK produced for the vectors above (cloud demo, secret abcd). */
const SIGNED_PATHS = [
  '/demo/image/upload/s--lGdq5NKO--/sample.jpg',
  '/demo/image/upload/s--m_vGKjpX--/c_fill,h_200,w_300/v1315060510/sample.jpg',
  '/demo/image/upload/s--8JqrVVE7--/v1/folder/sample.jpg',
  '/demo/image/upload/s--ZpqZj1Oc--/sample.jpg',
  '/demo/image/upload/s--ZpqZj1Oc4nbeNu4FrlHDZCbYtTcdr4st--/sample.jpg',
  '/demo/image/authenticated/s--cTpl75_8--/c_scale,w_100/e_sepia/sample.jpg',
  '/demo/image/fetch/s--ew40YK8h--/w_100/https://example.com/img.png',
  '/demo/image/upload/s--U9AtWCyQ--/t_blip%20blop/sample',
  '/demo/image/upload/s--7PAoWh9e--/a%20b',
  '/demo/image/upload/s--NHsZ0ef7--/l_text:Times%20New%20Roman_12:a%20b/sample',
];

async function rejection(p: Promise<unknown>): Promise<CldError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CldError);
  return err as CldError;
}

describe('URL signature algorithm', () => {
  it.each(VECTORS)('signs %s with secret %s', async (toSign, secret, form, expected) => {
    expect(await computeUrlSignature(toSign, secret, form)).toBe(expected);
  });

  it.each(SIGNED_PATHS)('accepts the SDK URL %s', async (path) => {
    await expect(verifyUrlSignature(parseDeliveryPath(path), 'abcd', 'sha1-8')).resolves.toBeUndefined();
  });

  it('signs the version- and suffix-free source: a url_suffix URL verifies like its plain form', async () => {
    const d = parseDeliveryPath('/demo/images/s--s2G9O_wT--/test/hello.jpg');
    expect(urlSignatureCandidates(d)).toContain('test.jpg');
    await verifyUrlSignature(d, 'b', 'sha1-8');
  });

  it('accepts the Ruby form (fully unescaped) and the Go form (decoded public id)', async () => {
    const ruby = await computeUrlSignature('l_text:Times New Roman_12:a b/sample', 'abcd', SHA1_SHORT);
    await verifyUrlSignature(
      parseDeliveryPath(`/demo/image/upload/s--${ruby}--/l_text:Times%20New%20Roman_12:a%20b/sample`),
      'abcd',
      'sha1-8',
    );
    const go = await computeUrlSignature('c_scale,w_100/a b.jpg', 'abcd', SHA1_SHORT);
    await verifyUrlSignature(parseDeliveryPath(`/demo/image/upload/s--${go}--/c_scale,w_100/a%20b.jpg`), 'abcd', 'sha1-8');
  });

  it('rejects every single-character change of a signature', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const signed: Array<[string, string]> = [
      ['m_vGKjpX', 'c_fill,h_200,w_300/sample.jpg'],
      ['ZpqZj1Oc4nbeNu4FrlHDZCbYtTcdr4st', 'sample.jpg'],
    ];
    for (const [good, rest] of signed) {
      await verifyUrlSignature(parseDeliveryPath(`/demo/image/upload/s--${good}--/${rest}`), 'abcd', 'sha1-8');
      for (let i = 0; i < good.length; i++) {
        const swapped = alphabet[(alphabet.indexOf(good[i]) + 1) % alphabet.length];
        const bad = good.slice(0, i) + swapped + good.slice(i + 1);
        const err = await rejection(verifyUrlSignature(parseDeliveryPath(`/demo/image/upload/s--${bad}--/${rest}`), 'abcd', 'sha1-8'));
        expect(err.status).toBe(401);
        expect(err.message).toBe('Invalid signature');
      }
    }
  });

  it('rejects truncated signatures, another secret and a changed path', async () => {
    expect(
      (await rejection(verifyUrlSignature(parseDeliveryPath('/demo/image/upload/s--lGdq5NK--/sample.jpg'), 'abcd', 'sha1-8'))).message,
    ).toMatch(/length/);
    expect(
      (await rejection(verifyUrlSignature(parseDeliveryPath('/demo/image/upload/s--lGdq5NKO--/sample.jpg'), 'other-secret', 'sha1-8')))
        .status,
    ).toBe(401);
    expect(
      (await rejection(verifyUrlSignature(parseDeliveryPath('/demo/image/upload/s--lGdq5NKO--/sample.png'), 'abcd', 'sha1-8'))).status,
    ).toBe(401);
    expect(
      (await rejection(verifyUrlSignature(parseDeliveryPath('/demo/image/upload/s--lGdq5NKO--/w_10/sample.jpg'), 'abcd', 'sha1-8'))).status,
    ).toBe(401);
  });

  it('a cloud set to sha256-32 accepts only the long form', async () => {
    const err = await rejection(verifyUrlSignature(parseDeliveryPath('/demo/image/upload/s--ZpqZj1Oc--/sample.jpg'), 'abcd', 'sha256-32'));
    expect(err.message).toMatch(/32-character/);
    await verifyUrlSignature(parseDeliveryPath('/demo/image/upload/s--ZpqZj1Oc4nbeNu4FrlHDZCbYtTcdr4st--/sample.jpg'), 'abcd', 'sha256-32');
  });
});
