import { describe, expect, inject, it } from 'vitest';
import { uid } from '../support/sdk';
import { signedPost } from '../support/upload';
import { fixtureBytes } from '../support/fixtures';

const base = inject('workerUrl');
const fixture = (name: string) => new Uint8Array(fixtureBytes(name));

async function expectError(res: Response, status: number, message: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = (await res.json()) as { error: { message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.message).toMatch(message);
}

describe('Upload API errors over raw HTTP', () => {
  const hostile: [string, RegExp][] = [
    ['empty.jpg', /Empty file/],
    ['random-bytes.jpg', /Invalid image file/],
    ['truncated.jpg', /truncated/],
    ['not-an-image.png', /Invalid image file/],
    ['bomb-50000x50000-rgba-partial.png', /Image too large/],
    ['bomb-65500x65500.jpg', /Image too large/],
  ];
  for (const [name, message] of hostile) {
    it(`refuses ${name} with a 400 and stores nothing`, async () => {
      const publicId = uid('hostile');
      await expectError(
        await signedPost(base, '/v1_1/demo/image/upload', { public_id: publicId }, { file: { bytes: fixture(name), name } }),
        400,
        message,
      );
      expect((await fetch(`${base}/demo/image/upload/${publicId}`)).status).toBe(404);
      expect((await fetch(`${base}/demo/image/upload/${publicId}.${name.split('.').pop()}`)).status).toBe(404);
    });
  }

  it('answers "not supported" for s3, gs and ftp sources', async () => {
    for (const url of ['s3://bucket/a.jpg', 'gs://bucket/a.jpg', 'ftp://user:pw@example.com/a.jpg']) {
      await expectError(await signedPost(base, '/v1_1/demo/image/upload', { file: url }), 400, /not supported/);
    }
  });

  it('refuses bad signatures, stale timestamps, foreign keys and unknown clouds with 401', async () => {
    const file = { bytes: fixture('alpha.png'), name: 'a.png' };
    await expectError(
      await signedPost(base, '/v1_1/demo/image/upload', { public_id: uid() }, { file, secret: 'wrong' }),
      401,
      /Invalid Signature/,
    );
    await expectError(
      await signedPost(base, '/v1_1/demo/image/upload', { public_id: uid() }, { file, timestamp: Math.floor(Date.now() / 1000) - 7200 }),
      401,
      /Stale request/,
    );
    await expectError(
      await signedPost(base, '/v1_1/demo/image/upload', { public_id: uid() }, { file, apiKey: '222222222222222' }),
      401,
      /Unknown API key/,
    );
    await expectError(await signedPost(base, '/v1_1/nosuchcloud/image/upload', { public_id: uid() }, { file }), 401, /cloud_name/);
    const sha256 = await signedPost(base, '/v1_1/demo/image/upload', { public_id: uid() }, { file, alg: 'sha256' });
    expect(sha256.status).toBe(200);
  });

  it('refuses unsigned calls without a preset, missing files, bad ids, types and resource types', async () => {
    const form = new FormData();
    form.set('file', new Blob([fixture('alpha.png')]), 'a.png');
    await expectError(
      await fetch(`${base}/v1_1/demo/image/upload`, { method: 'POST', body: form }),
      400,
      /Upload preset must be specified/,
    );
    await expectError(await signedPost(base, '/v1_1/demo/image/upload', { public_id: uid() }), 400, /Missing required parameter - file/);
    const file = { bytes: fixture('alpha.png'), name: 'a.png' };
    await expectError(await signedPost(base, '/v1_1/demo/image/upload', { public_id: 'a/../b' }, { file }), 400, /Invalid public_id/);
    await expectError(await signedPost(base, '/v1_1/demo/image/upload', { public_id: 'x?y' }, { file }), 400, /Invalid public_id/);
    await expectError(await signedPost(base, '/v1_1/demo/image/upload', { type: 'fetch' }, { file }), 400, /Invalid type/);
    await expectError(await signedPost(base, '/v1_1/demo/video/upload', {}, { file }), 400, /not supported/);
    await expectError(
      await signedPost(base, '/v1_1/demo/image/upload', { allowed_formats: 'jpg,gif' }, { file }),
      400,
      /format png not allowed/,
    );
  });

  it('refuses malformed bodies with 400, never 500', async () => {
    const res = await fetch(`${base}/v1_1/demo/image/upload`, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\npartial',
    });
    await expectError(res, 400, /multipart/);
    const json = await fetch(`${base}/v1_1/demo/image/destroy`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{nope',
    });
    await expectError(json, 400, /Invalid request body/);
    const badB64 = await signedPost(base, '/v1_1/demo/image/upload', { file: 'data:image/png;base64,@@@@' });
    await expectError(badB64, 400, /base64/);
  });

  it('takes a urlencoded body with no Content-Type (the Go SDK) and JSON bodies', async () => {
    const id = uid('go');
    expect(
      (await signedPost(base, '/v1_1/demo/image/upload', { public_id: id }, { file: { bytes: fixture('alpha.png'), name: 'a.png' } }))
        .status,
    ).toBe(200);
    const { createHash } = await import('node:crypto');
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = createHash('sha1').update(`public_id=${id}&timestamp=${ts}local-dev-secret`).digest('hex');
    const body = new TextEncoder().encode(`public_id=${id}&timestamp=${ts}&signature=${sig}&api_key=123456789012345`);
    const res = await fetch(`${base}/v1_1/demo/image/destroy`, { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: 'ok' });
    const res2 = await fetch(`${base}/v1_1/demo/image/destroy`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ public_id: id, timestamp: ts, signature: sig, api_key: '123456789012345' }),
    });
    expect(await res2.json()).toEqual({ result: 'not found' });
  });

  it('refuses a malformed Content-Range', async () => {
    const form = new FormData();
    const res = await fetch(`${base}/v1_1/demo/raw/upload`, {
      method: 'POST',
      headers: { 'Content-Range': 'bytes 10-5/3', 'X-Unique-Upload-Id': uid() },
      body: form,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});
