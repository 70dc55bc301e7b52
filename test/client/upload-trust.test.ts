import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadSdk, uid } from '../support/sdk';
import { DEMO } from '../support/clouds';
import { signedPost } from '../support/upload';

// Trust boundaries of the Upload API over real HTTP and the real Node SDK
// (issue 18): bounded anonymous bodies, what a signature authorizes, public
// ids that must come back through the SDK's own URL.

const base = inject('workerUrl');
const png = new Uint8Array(readFileSync(new URL('../fixtures/alpha.png', import.meta.url)));
const messageOf = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message;

/** Fields signed over exactly `signedFields`, then sent with `extra` unsigned fields added. */
async function postWithUnsigned(path: string, signedFields: Record<string, string>, extra: Record<string, string>) {
  const all = { ...signedFields, timestamp: String(Math.floor(Date.now() / 1000)) };
  const toSign = Object.keys(all)
    .sort()
    .map((k) => `${k}=${all[k as keyof typeof all]}`)
    .join('&');
  const form = new FormData();
  for (const [k, v] of Object.entries({ ...all, ...extra })) form.set(k, v);
  form.set(
    'signature',
    createHash('sha1')
      .update(toSign + DEMO.api_secret)
      .digest('hex'),
  );
  form.set('api_key', DEMO.api_key);
  return fetch(`${base}${path}`, { method: 'POST', body: form });
}

describe('Upload API trust boundaries over HTTP', () => {
  let cloudinary: Awaited<ReturnType<typeof loadSdk>>['cloudinary'];
  beforeAll(async () => {
    ({ cloudinary } = await loadSdk());
  });

  it('refuses more than the field ceiling from an anonymous client, with and without a Content-Length', async () => {
    const field = 'x'.repeat(900 * 1024);
    const text =
      ['a', 'b', 'c'].map((k) => `--B\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${field}\r\n`).join('') + '--B--\r\n';
    const bytes = new TextEncoder().encode(text);
    const headers = { 'Content-Type': 'multipart/form-data; boundary=B' };
    const withLength = await fetch(`${base}/v1_1/demo/image/upload`, { method: 'POST', headers, body: bytes });
    expect(withLength.status).toBe(400);
    expect(await messageOf(withLength)).toMatch(/^Request parameters too large/);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let o = 0; o < bytes.length; o += 64 * 1024) c.enqueue(bytes.subarray(o, o + 64 * 1024));
        c.close();
      },
    });
    const init = { method: 'POST', headers, body: stream, duplex: 'half' } as RequestInit;
    const chunked = await fetch(`${base}/v1_1/demo/image/destroy`, init);
    expect(chunked.status).toBe(400);
    expect(await messageOf(chunked)).toMatch(/^Request parameters too large/);
  });

  it('refuses a timestamp more than an hour in the future', async () => {
    const res = await signedPost(
      base,
      '/v1_1/demo/image/upload',
      { public_id: uid('future') },
      { file: { bytes: png, name: 'a.png' }, timestamp: 9999999999 },
    );
    expect(res.status).toBe(401);
    expect(await messageOf(res)).toMatch(/^Stale request - reported time is 2286-11-20 17:46:39 \+0000/);
  });

  it('a destroy signed without type leaves the private asset of the same id alone; the SDK (which signs type) removes it', async () => {
    const id = uid('priv');
    await cloudinary.uploader.upload(`data:image/png;base64,${Buffer.from(png).toString('base64')}`, { public_id: id, type: 'private' });
    const forged = await postWithUnsigned('/v1_1/demo/image/destroy', { public_id: id }, { type: 'private' });
    expect(forged.status).toBe(401);
    expect(await cloudinary.uploader.destroy(id, { type: 'private' })).toEqual({ result: 'ok' });
  });

  it('refuses a public id whose first folder reads as a version, and round-trips a key-like one through the SDK URL', async () => {
    const file = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
    await expect(cloudinary.uploader.upload(file, { public_id: `v123/${uid('x')}` })).rejects.toMatchObject({ http_code: 400 });
    await expect(cloudinary.uploader.upload(file, { public_id: `w_100/${uid('x')}` })).rejects.toMatchObject({ http_code: 400 });
    const id = `e_commerce/${uid('shop')}`;
    const up = await cloudinary.uploader.upload(file, { public_id: id });
    expect(up.public_id).toBe(id);
    const served = await fetch(cloudinary.url(id, { format: 'png', secure: false }));
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(png))).toBe(true);
  });
});
