import { describe, expect, it } from 'vitest';
import { Params, readParams } from '../../src/protocol/params';
import { responseSignature, signParams, stringToSign, verifyApiSignature } from '../../src/auth/api-signature';
import { hexDigest } from '../../src/auth/crypto';

const key = { apiKey: '1234', apiSecret: 'abcd', source: 'test' };
const cloud = { cloudName: 'demo', ...key, keys: [key] };
/** The same cloud while its secret is rotated: a second key, and the first one's signature still good. */
const rotating = { ...cloud, keys: [key, { apiKey: '5678', apiSecret: 'efgh', source: 'test' }] };

describe('request parameter reader', () => {
  const post = (body: BodyInit, type?: string) =>
    readParams(new Request('http://w/x?q=1', { method: 'POST', body, headers: type ? { 'Content-Type': type } : {} }));

  it('reads multipart with k[] arrays in order; a file part is read as a field (no staging outside uploads)', async () => {
    const form = new FormData();
    form.append('public_ids[]', 'a');
    form.append('public_ids[]', 'b/c');
    form.append('tag', 'x');
    form.append('file', new Blob([new Uint8Array([65, 66, 67])]), 'f.bin');
    const p = await readParams(new Request('http://w/x', { method: 'POST', body: form }));
    expect(p.list('public_ids')).toEqual(['a', 'b/c']);
    expect(p.string('public_ids')).toBe('a,b/c');
    expect(p.string('tag')).toBe('x');
    expect(p.string('file')).toBe('ABC');
  });

  it('reads urlencoded bodies with and without a Content-Type, and k[N] indexes', async () => {
    for (const type of ['application/x-www-form-urlencoded', undefined]) {
      const p = await post('ids[0]=a&ids[1]=b&flag=true&n=5', type);
      expect(p.list('ids')).toEqual(['a', 'b']);
      expect(p.bool('flag', false)).toBe(true);
      expect(p.int('n')).toBe(5);
      expect(p.string('q')).toBe('1');
    }
  });

  it('reads JSON bodies (arrays and booleans as the Go SDK sends them)', async () => {
    const p = await post(JSON.stringify({ public_ids: ['a', 'b'], invalidate: true, n: 3, skip: null }), 'application/json');
    expect(p.list('public_ids')).toEqual(['a', 'b']);
    expect(p.bool('invalidate', false)).toBe(true);
    expect(p.string('n')).toBe('3');
    expect(p.has('skip')).toBe(false);
  });

  it('turns malformed bodies and values into 400s', async () => {
    await expect(post('{oops', 'application/json')).rejects.toMatchObject({ status: 400 });
    await expect(post('[1]', 'application/json')).rejects.toMatchObject({ status: 400 });
    expect(() => new Params({ b: 'maybe' }).bool('b', false)).toThrow('Invalid boolean');
    expect(() => new Params({ n: '1.5' }).int('n')).toThrow('Invalid integer');
  });
});

describe('API request signatures (known vectors)', () => {
  it('builds the string to sign and signs it', async () => {
    expect(await signParams({ public_id: 'sample_image', timestamp: '1315060510' }, 'abcd')).toBe(
      'b4ad47fb4e25c7bf5f92a20089f9db59bc302313',
    );
    expect(await signParams({ public_id: 'sample_image', timestamp: '1315060510' }, 'abcd', 'SHA-256')).toBe(
      'e3c44b54e67a3ecc918f5d7236ca5faa36250ea8a8cd6cbabfd2d6bb2453acac',
    );
    expect(
      await signParams({ eager: 'w_400,h_300,c_pad|w_260,h_200,c_crop', public_id: 'sample_image', timestamp: '1315060510' }, 'abcd'),
    ).toBe('bfd09f95f331f558cbd1320e67aa8d488770583e');
    expect(await signParams({ tags: ['a', 'b'], timestamp: '1' }, 'abcd')).toBe('a919d91a6d569178c0d0738c872ed7e4fe4a5668');
    expect(await signParams({ public_id: 'a&b', timestamp: '1' }, 'abcd')).toBe('368b340cc521b1cd87742f387e69160439f8abe1');
    expect(stringToSign({ b: '2', a: '1', file: 'x', api_key: 'k', signature: 's', resource_type: 'image', empty: '' })).toBe('a=1&b=2');
  });

  it('signs the upload answer with version 1', async () => {
    expect(await responseSignature('sample', 1315060510, 'abcd')).toBe('912d90b6fe28aa6820cf928bc440a65a0f36e002');
    expect(await responseSignature('folder/sample', 1315060510, 'abcd')).toBe('001f50fd559a6f1611f28052b2eb55a3bb9cc0f5');
  });

  const signed = async (fields: Record<string, string>, alg: 'SHA-1' | 'SHA-256' = 'SHA-1') =>
    new Params({ ...fields, api_key: '1234', signature: await hexDigest(alg, stringToSign(fields) + 'abcd') });
  const now = Date.now();
  const ts = String(Math.floor(now / 1000));

  it('accepts SHA-1 and SHA-256 signatures told apart by length, and a signature without type for type upload', async () => {
    await expect(verifyApiSignature(await signed({ public_id: 'x', timestamp: ts }), cloud)).resolves.toMatchObject({
      params: expect.any(Params),
      signer: { apiKey: '1234' },
    });
    await expect(verifyApiSignature(await signed({ public_id: 'x', timestamp: ts }, 'SHA-256'), cloud)).resolves.toMatchObject({
      params: expect.any(Params),
      signer: { apiKey: '1234' },
    });
    const withoutType = await signed({ public_id: 'x', timestamp: ts });
    const { params: p } = await verifyApiSignature(withoutType.with({ type: 'upload' }), cloud);
    expect(p.string('type')).toBe('upload');
  });

  it('never lets a signature made without type authorize private or authenticated', async () => {
    const withoutType = await signed({ public_id: 'x', timestamp: ts });
    for (const type of ['private', 'authenticated', 'fetch', 'text'])
      await expect(verifyApiSignature(withoutType.with({ type }), cloud)).rejects.toMatchObject({
        status: 401,
        message: expect.stringContaining('Invalid Signature'),
      });
    // Signed with the type, it is accepted.
    await expect(verifyApiSignature(await signed({ public_id: 'x', timestamp: ts, type: 'private' }), cloud)).resolves.toMatchObject({
      params: expect.any(Params),
    });
  });

  it('refuses timestamps more than an hour either side of now, and ones that are not unix seconds', async () => {
    const at = (delta: number) => String(Math.floor(now / 1000) + delta);
    await expect(verifyApiSignature(await signed({ public_id: 'x', timestamp: at(3500) }), cloud)).resolves.toMatchObject({
      params: expect.any(Params),
      signer: { apiKey: '1234' },
    });
    await expect(verifyApiSignature(await signed({ public_id: 'x', timestamp: at(-3500) }), cloud)).resolves.toMatchObject({
      params: expect.any(Params),
      signer: { apiKey: '1234' },
    });
    await expect(verifyApiSignature(await signed({ public_id: 'x', timestamp: '9999999999' }), cloud)).rejects.toMatchObject({
      status: 401,
      message: expect.stringMatching(
        /^Stale request - reported time is 2286-11-20 17:46:39 \+0000 which is more than 1 hour in the future$/,
      ),
    });
    await expect(verifyApiSignature(await signed({ public_id: 'x', timestamp: at(3700) }), cloud)).rejects.toMatchObject({ status: 401 });
    await expect(verifyApiSignature(await signed({ public_id: 'x', timestamp: at(-3700) }), cloud)).rejects.toMatchObject({
      status: 401,
      message: expect.stringMatching(/which is more than 1 hour ago$/),
    });
    for (const bad of ['1e9', ' 1', '0x10', String(Math.floor(now / 1000)) + '.5'])
      await expect(verifyApiSignature(await signed({ public_id: 'x', timestamp: bad }), cloud)).rejects.toMatchObject({ status: 401 });
    // A download URL with expires_at is valid until then, but still not from a timestamp in the future.
    await expect(
      verifyApiSignature(await signed({ public_id: 'x', timestamp: at(-7200) }), cloud, { expiresAt: Math.floor(now / 1000) + 60 }),
    ).resolves.toMatchObject({ params: expect.any(Params), signer: { apiKey: '1234' } });
    await expect(
      verifyApiSignature(await signed({ public_id: 'x', timestamp: '9999999999' }), cloud, { expiresAt: 9999999999 }),
    ).rejects.toMatchObject({ status: 401 });
  });

  it('answers only what the signature covers: unsigned empty values and path fields have no effect', async () => {
    const good = await signed({ public_id: 'x', timestamp: ts, tags: 'a' });
    const { params: p } = await verifyApiSignature(good.with({ context: '', type: '', cloud_name: 'other', resource_type: 'raw' }), cloud);
    expect(Object.keys(p.fields).sort()).toEqual(['api_key', 'public_id', 'signature', 'tags', 'timestamp']);
  });

  it('accepts a signature made with any key of the cloud, checked with the secret of that key', async () => {
    await expect(verifyApiSignature(await signed({ public_id: 'x', timestamp: ts }), rotating)).resolves.toMatchObject({
      signer: { apiKey: '1234' },
    });
    const fields = { public_id: 'x', timestamp: ts };
    const second = new Params({ ...fields, api_key: '5678', signature: await hexDigest('SHA-1', stringToSign(fields) + 'efgh') });
    await expect(verifyApiSignature(second, rotating)).resolves.toMatchObject({ signer: { apiKey: '5678' } });
    // The second key's name with the first key's secret is no signature at all.
    await expect(
      verifyApiSignature(second.with({ signature: (await signed(fields)).string('signature')! }), rotating),
    ).rejects.toMatchObject({
      status: 401,
    });
  });

  it('refuses stale, tampered, foreign and missing signatures with 401', async () => {
    const old = String(Math.floor(now / 1000) - 3601);
    await expect(verifyApiSignature(await signed({ public_id: 'x', timestamp: old }), cloud)).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining('Stale request'),
    });
    const good = await signed({ public_id: 'x', timestamp: ts });
    await expect(verifyApiSignature(good.with({ public_id: 'y' }), cloud)).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining('Invalid Signature'),
    });
    await expect(verifyApiSignature(good.with({ api_key: '999' }), cloud)).rejects.toMatchObject({ status: 401 });
    await expect(verifyApiSignature(good, { ...cloud, keys: [{ ...key, apiSecret: 'other' }] })).rejects.toMatchObject({ status: 401 });
    await expect(verifyApiSignature(new Params({ public_id: 'x', timestamp: ts, api_key: '1234' }), cloud)).rejects.toMatchObject({
      status: 401,
    });
    await expect(verifyApiSignature(good.with({ signature: good.string('signature')!.slice(0, 39) }), cloud)).rejects.toMatchObject({
      status: 401,
    });
  });
});
