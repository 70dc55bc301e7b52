import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { signParams } from '../../src/auth/api-signature';
import { listAll, putOriginal } from '../../src/storage/assets';
import { getResource } from '../../src/storage/resources';
import { cleanupAbandonedUploads, multipartLedger } from '../../src/services/upload/chunked';
import { PART_SIZE, Staging } from '../../src/services/upload/staging';
import { fixture, uid } from './support/fixtures';

// Trust boundaries of the Upload API (issue 18): what an anonymous client can
// make the worker hold or do before a credential is checked, what a signature
// authorizes, and the chunked-upload and public-id edge cases.

const DEMO = { key: '123456789012345', secret: 'local-dev-secret' };
const MB = 1024 * 1024;
type Fields = Record<string, string>;
const png = fixture('alpha.png');
const enc = new TextEncoder();

async function signed(fields: Fields, timestamp = Math.floor(Date.now() / 1000)): Promise<Fields> {
  const all: Fields = { ...fields, timestamp: String(timestamp) };
  const { file: _file, ...toSign } = all;
  return { ...all, signature: await signParams(toSign, DEMO.secret), api_key: DEMO.key };
}

function form(fields: Fields, file?: { bytes: Uint8Array; name: string }): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  if (file) f.set('file', new File([file.bytes], file.name));
  return f;
}

/** Calls the worker in this isolate (the request body is the test's own stream), with extra variables if asked. */
async function call(req: Request, vars: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(req, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const postTo = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  new Request(`http://w${path}`, { method: 'POST', body, headers });

const messageOf = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message;

/**
 * A body that starts with `head` and then hands out `chunks` pieces of
 * `piece` lazily, counting how many the reader pulled and whether it gave up.
 */
function lazyBody(head: string, piece: Uint8Array, chunks: number, tail = '') {
  const seen = { pulled: 0, cancelled: false };
  let sentHead = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (!sentHead) {
        sentHead = true;
        return ctrl.enqueue(enc.encode(head));
      }
      if (seen.pulled < chunks) {
        seen.pulled++;
        return ctrl.enqueue(piece);
      }
      if (tail) ctrl.enqueue(enc.encode(tail));
      ctrl.close();
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

/** A multipart body as text, its fields in the order given. */
function multipartText(boundary: string, fields: [string, string][]): string {
  return (
    fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') + `--${boundary}--\r\n`
  );
}

describe('anonymous bodies are bounded before any credential is checked', () => {
  const base64Piece = enc.encode('A'.repeat(64 * 1024));

  it('refuses an unsigned urlencoded data URI at its first bytes when the preset before it fails, and reads no further', async () => {
    const { stream, seen } = lazyBody('upload_preset=no_such_preset&file=data%3Aimage%2Fpng%3Bbase64%2C', base64Piece, 400);
    const res = await call(postTo('/v1_1/demo/image/upload', stream, { 'Content-Type': 'application/x-www-form-urlencoded' }));
    expect(res.status).toBe(400);
    expect(await messageOf(res)).toBe('Upload preset not found: no_such_preset');
    // Only what the drain allows after the answer (8 MB), never the whole 25 MB.
    expect(seen.pulled).toBeLessThan(200);
    expect(seen.cancelled).toBe(true);
    expect(await listAll(env.BUCKET, 'u/')).toEqual([]);
  });

  it('does the same for a JSON data URI and for a multipart file after a wrong signature (the SDK order)', async () => {
    const json = lazyBody('{"upload_preset":"no_such_preset","file":"data:image/png;base64,', base64Piece, 400, '"}');
    const res = await call(postTo('/v1_1/demo/image/upload', json.stream, { 'Content-Type': 'application/json' }));
    expect(await messageOf(res)).toBe('Upload preset not found: no_such_preset');
    expect(json.seen.pulled).toBeLessThan(200);

    const fields = await signed({ public_id: uid('sig') });
    const head = multipartText('B', Object.entries({ ...fields, public_id: 'tampered' })).replace(/--B--\r\n$/, '');
    const multipart = lazyBody(`${head}--B\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n`, base64Piece, 400);
    const bad = await call(postTo('/v1_1/demo/image/upload', multipart.stream, { 'Content-Type': 'multipart/form-data; boundary=B' }));
    expect(bad.status).toBe(401);
    expect(await messageOf(bad)).toMatch(/^Invalid Signature/);
    expect(multipart.seen.pulled).toBeLessThan(200);
    expect(await listAll(env.BUCKET, 'u/')).toEqual([]);
  });

  it(
    'streams a urlencoded and a JSON data URI larger than one R2 part into staging, decoded as it arrives',
    { timeout: 60_000 },
    async () => {
      const bytes = new Uint8Array(PART_SIZE + 12345).map((_, i) => (i * 7) & 0xff);
      const b64 = btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
      for (const [type, body] of [
        [
          'application/x-www-form-urlencoded',
          (f: Fields) => new URLSearchParams({ ...f, file: `data:application/octet-stream;base64,${b64}` }).toString(),
        ],
        [
          'application/json',
          (f: Fields) => JSON.stringify({ ...f, file: `data:application/octet-stream;base64,${b64}` }).replace(/\//g, '\\/'),
        ],
      ] as const) {
        const id = uid('stream');
        const res = await call(postTo('/v1_1/demo/raw/upload', body(await signed({ public_id: id })), { 'Content-Type': type }));
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ public_id: id, bytes: bytes.length });
      }
      expect(await listAll(env.BUCKET, 'u/')).toEqual([]);
    },
  );

  it('refuses more field bytes or fields than the ceiling, with or without a Content-Length, on every Upload API route', async () => {
    // Each field within the per-field limit (1 MiB), together past the 2 MiB ceiling, the body under 3 MiB.
    const big = 'x'.repeat(900 * 1024);
    const fat = multipartText('B', [
      ['a', big],
      ['b', big],
      ['c', big],
    ]);
    const many = multipartText(
      'B',
      Array.from({ length: 2100 }, (_, i) => [`f${i}`, '1'] as [string, string]),
    );
    for (const path of ['image/upload', 'image/destroy', 'image/rename', 'image/tags', 'image/explicit', 'image/text', 'delete_by_token']) {
      const fatRes = await call(postTo(`/v1_1/demo/${path}`, fat, { 'Content-Type': 'multipart/form-data; boundary=B' }));
      expect([path, fatRes.status, await messageOf(fatRes)]).toEqual([
        path,
        400,
        expect.stringMatching(/^Request (parameters|body) too large/),
      ]);
      const streamed = lazyBody(fat, new Uint8Array(0), 0);
      const noLength = await call(postTo(`/v1_1/demo/${path}`, streamed.stream, { 'Content-Type': 'multipart/form-data; boundary=B' }));
      expect([path, noLength.status, await messageOf(noLength)]).toEqual([
        path,
        400,
        expect.stringMatching(/^Request parameters too large/),
      ]);
      const manyRes = await call(postTo(`/v1_1/demo/${path}`, many, { 'Content-Type': 'multipart/form-data; boundary=B' }));
      expect([path, manyRes.status, await messageOf(manyRes)]).toEqual([path, 400, expect.stringMatching(/^Too many parameters/)]);
    }
    const urlencoded = await call(postTo('/v1_1/demo/image/upload', `a=${big}&b=${big}&c=${big}`));
    expect(await messageOf(urlencoded)).toMatch(/^Request parameters too large/);
    const json = await call(
      postTo('/v1_1/demo/image/upload', JSON.stringify({ a: big, b: big, c: big }), { 'Content-Type': 'application/json' }),
    );
    expect(await messageOf(json)).toMatch(/^Request parameters too large/);
  });

  it('answers 400 "File size too large" at once when a declared multipart length exceeds the file limit plus the fields', async () => {
    const limit = 30 * MB;
    const res = await call(
      postTo('/v1_1/demo/image/upload', 'x', { 'Content-Type': 'multipart/form-data; boundary=B', 'Content-Length': String(40 * MB) }),
      { MAX_UPLOAD_BYTES: String(limit) },
    );
    expect(res.status).toBe(400);
    expect(await messageOf(res)).toBe(`File size too large. Got ${40 * MB}. Maximum is ${limit}.`);
  });

  it('refuses a body that streams past the allowance without a Content-Length (base64 whitespace included)', async () => {
    const spaces = lazyBody('upload_preset=x&file=data:image/png;base64,', enc.encode(' '.repeat(64 * 1024)), 100);
    const res = await call(postTo('/v1_1/demo/image/upload', spaces.stream), { MAX_UPLOAD_BYTES: '100000' });
    // The preset check comes first here; without a preset field the ceiling refuses it.
    expect(res.status).toBe(400);
    const unsignedLater = lazyBody('file=data:image/png;base64,', enc.encode(' '.repeat(64 * 1024)), 100);
    const res2 = await call(postTo('/v1_1/demo/image/upload', unsignedLater.stream), { MAX_UPLOAD_BYTES: '100000' });
    expect(await messageOf(res2)).toMatch(/^File size too large. Got more than \d+. Maximum is 100000.$/);
  });

  it('stages a file that comes before its credentials and removes it when they fail', { timeout: 60_000 }, async () => {
    const bytes = new Uint8Array(PART_SIZE + 100).fill(3);
    const fields = await signed({ public_id: uid('late') });
    const f = new FormData();
    f.set('file', new File([bytes], 'a.bin'));
    for (const [k, v] of Object.entries({ ...fields, signature: '0'.repeat(40) })) f.set(k, v);
    const res = await call(postTo('/v1_1/demo/raw/upload', f));
    expect(res.status).toBe(401);
    expect(await listAll(env.BUCKET, 'u/')).toEqual([]);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM upload_sessions WHERE upload_id LIKE 'staging:%'").first('n')).toBe(0);
  });

  it('starts the abandoned-upload sweep only for a chunk that passed its check', async () => {
    const stale = uid('stale');
    const old = Math.floor(Date.now() / 1000) - 7200;
    const state = JSON.stringify({
      staging: { key: `u/demo/c-${stale}`, uploadId: null, parts: [], bytes: 0, tailBytes: 0 },
      publicId: null,
    });
    await env.DB.prepare(
      'INSERT INTO upload_sessions (cloud, upload_id, r2_key, r2_upload_id, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
      .bind('demo', stale, `u/demo/c-${stale}`, '', state, old, old)
      .run();
    const exists = async () => (await env.DB.prepare('SELECT 1 FROM upload_sessions WHERE upload_id = ?').bind(stale).first()) !== null;
    const chunkHeaders = (id: string) => ({ 'Content-Range': 'bytes 0-9/-1', 'X-Unique-Upload-Id': id });
    const anonymous = await call(
      postTo('/v1_1/demo/raw/upload', form({}, { bytes: new Uint8Array(10), name: 'b' }), chunkHeaders(uid('anon'))),
    );
    expect(anonymous.status).toBe(400);
    expect(await exists()).toBe(true);
    const genuine = await call(
      postTo('/v1_1/demo/raw/upload', form(await signed({}), { bytes: new Uint8Array(10), name: 'b' }), chunkHeaders(uid('real'))),
    );
    expect(genuine.status).toBe(200);
    expect(await exists()).toBe(false);
  });
});

describe('what a signature authorizes', () => {
  const storeAs = async (type: 'private' | 'authenticated', publicId: string) =>
    putOriginal(env, {
      ref: { cloud: 'demo', resourceType: 'image', type, publicId },
      body: png,
      bytes: png.length,
      etag: 'e',
      contentType: 'image/png',
      format: 'png',
      width: 1,
      height: 1,
      pages: 1,
      overwrite: true,
    });

  it('a destroy signed without type never destroys the private asset of the same id', async () => {
    const id = uid('priv');
    await storeAs('private', id);
    const fields = await signed({ public_id: id });
    const res = await call(postTo('/v1_1/demo/image/destroy', form({ ...fields, type: 'private' })));
    expect(res.status).toBe(401);
    expect(await getResource(env.DB, { cloud: 'demo', resourceType: 'image', type: 'private', publicId: id })).not.toBeNull();
    const typed = await call(postTo('/v1_1/demo/image/destroy', form(await signed({ public_id: id, type: 'private' }))));
    expect(await typed.json()).toEqual({ result: 'ok' });
  });

  it('a download signed without type never opens an authenticated asset', async () => {
    const id = uid('authn');
    await storeAs('authenticated', id);
    const fields = await signed({ public_id: id, format: 'png' });
    const q = new URLSearchParams({ ...fields, type: 'authenticated' });
    const res = await call(new Request(`http://w/v1_1/demo/image/download?${q}`));
    expect(res.status).toBe(401);
  });

  it('refuses a signed upload whose timestamp is more than an hour ahead', async () => {
    const res = await call(
      postTo('/v1_1/demo/image/upload', form(await signed({ public_id: uid('future') }, 9999999999), { bytes: png, name: 'a.png' })),
    );
    expect(res.status).toBe(401);
    expect(await messageOf(res)).toMatch(/^Stale request - reported time is 2286-11-20 17:46:39 \+0000/);
  });

  it('an unsigned empty field cannot clear what the signed explicit call did not mention', async () => {
    const id = uid('empty');
    const up = await call(
      postTo('/v1_1/demo/image/upload', form(await signed({ public_id: id, tags: 'keep' }), { bytes: png, name: 'a.png' })),
    );
    expect(up.status).toBe(200);
    const res = await call(postTo('/v1_1/demo/image/explicit', form({ ...(await signed({ public_id: id, type: 'upload' })), tags: '' })));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { tags: string[] }).tags).toEqual(['keep']);
  });
});

describe('chunked uploads at their edges', () => {
  const chunk = (fields: Fields, bytes: Uint8Array, range: string, uploadId: string, vars: Record<string, string> = {}) =>
    call(
      postTo('/v1_1/demo/raw/upload', form(fields, { bytes, name: 'blob' }), { 'Content-Range': range, 'X-Unique-Upload-Id': uploadId }),
      vars,
    );

  it('refuses a declared total over MAX_CHUNKED_UPLOAD_BYTES at the first chunk', async () => {
    const res = await chunk(await signed({}), new Uint8Array(10), `bytes 0-9/${2 ** 53 - 1}`, uid('huge'));
    expect(res.status).toBe(400);
    expect(await messageOf(res)).toBe(`File size too large. Got ${2 ** 53 - 1}. Maximum is ${2 * 1024 * 1024 * 1024}.`);
    const small = await chunk(await signed({}), new Uint8Array(10), 'bytes 0-9/5000', uid('small'), { MAX_CHUNKED_UPLOAD_BYTES: '1000' });
    expect(await messageOf(small)).toBe('File size too large. Got 5000. Maximum is 1000.');
    // An upload id can never name another row of upload_sessions (staging records are `staging:<key>`).
    const named = await chunk(await signed({}), new Uint8Array(10), 'bytes 0-9/-1', 'staging:u/demo/s-abc');
    expect(await messageOf(named)).toMatch(/X-Unique-Upload-Id/);
  });

  it('completes the upload once when two copies of the last chunk race', async () => {
    const uploadId = uid('race');
    const id = uid('raced');
    const data = new Uint8Array(2000).map((_, i) => (i * 3) & 0xff);
    const first = await chunk(await signed({ public_id: id }), data.slice(0, 1000), 'bytes 0-999/-1', uploadId);
    expect(first.status).toBe(200);
    const last = data.slice(1000);
    const answers = await Promise.all(
      [0, 1].map(async () => chunk(await signed({ public_id: id }), last, 'bytes 1000-1999/2000', uploadId)),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400]);
    const ok = answers.find((r) => r.status === 200)!;
    expect(await ok.json()).toMatchObject({ public_id: id, bytes: 2000 });
    expect(await messageOf(answers.find((r) => r.status === 400)!)).toMatch(/another chunk of this upload/);
    expect((await listAll(env.BUCKET, 'u/')).filter((k) => k.includes(uploadId))).toEqual([]);
    expect(await env.DB.prepare('SELECT 1 FROM upload_sessions WHERE upload_id = ?').bind(uploadId).first()).toBeNull();
  });

  it('aborts a staging multipart upload that a dying request left behind', { timeout: 60_000 }, async () => {
    const key = `u/demo/s-${uid('dying')}`;
    const staging = Staging.start(env.BUCKET, key, 100 * MB, multipartLedger(env, 'demo'));
    await staging.write(new Uint8Array(PART_SIZE + 1).fill(1)); // one part out: the multipart upload exists
    const row = await env.DB.prepare('SELECT r2_upload_id FROM upload_sessions WHERE upload_id = ?')
      .bind(`staging:${key}`)
      .first<{ r2_upload_id: string }>();
    expect(row).not.toBeNull();
    await cleanupAbandonedUploads(env, Date.now() + 2 * 3600 * 1000);
    expect(await env.DB.prepare('SELECT 1 FROM upload_sessions WHERE upload_id = ?').bind(`staging:${key}`).first()).toBeNull();
    // Aborted: the upload can no longer be completed.
    const mpu = env.BUCKET.resumeMultipartUpload(key, row!.r2_upload_id);
    await expect(mpu.complete([])).rejects.toThrow();
  });
});

describe('public ids that would not come back through their own URL', () => {
  it('refuses ids that read as URL grammar, bidi controls, BOMs and lone surrogates with 400, never 500', async () => {
    for (const id of ['w_100/x', 'v123/x', 's--abcdefgh--/x', 'c_fill,w_10/y', 'a\u202eb', '\ufeffbom', 'x\u2066y']) {
      const res = await call(postTo('/v1_1/demo/image/upload', form(await signed({ public_id: id }), { bytes: png, name: 'a.png' })));
      expect([id, res.status, await messageOf(res)]).toEqual([id, 400, `Invalid public_id ${JSON.stringify(id)}`]);
    }
    // A lone surrogate arrives through a JSON escape (FormData would already have made it U+FFFD).
    const lone = await signed({ public_id: 'lone\ud800x' });
    const res = await call(
      postTo('/v1_1/demo/image/upload', JSON.stringify({ ...lone, file: `data:image/png;base64,${btoa(String.fromCharCode(...png))}` }), {
        'Content-Type': 'application/json',
      }),
    );
    expect(res.status).toBe(400);
    expect(await messageOf(res)).toMatch(/^Invalid public_id/);
    // Grammar later in the id is no ambiguity (the parser only reads leading components), nor is a key-like folder that is no transformation.
    const keyLike = await call(
      postTo('/v1_1/demo/image/upload', form(await signed({ public_id: `e_commerce/${uid('k')}` }), { bytes: png, name: 'a.png' })),
    );
    expect(keyLike.status).toBe(200);
    const fine = await call(
      postTo('/v1_1/demo/image/upload', form(await signed({ public_id: `${uid('fine')}/w_100` }), { bytes: png, name: 'a.png' })),
    );
    expect(fine.status).toBe(200);
    const { url } = (await fine.json()) as { url: string };
    expect((await call(new Request(url))).status).toBe(200);
    expect((await call(new Request(url.replace(/\/v\d+\//, '/')))).status).toBe(200);
  });

  it('refuses the same through folder and rename', async () => {
    const viaFolder = await call(
      postTo('/v1_1/demo/image/upload', form(await signed({ folder: 'v42', public_id: 'x' }), { bytes: png, name: 'a.png' })),
    );
    expect(viaFolder.status).toBe(400);
    const id = uid('ren');
    await call(postTo('/v1_1/demo/image/upload', form(await signed({ public_id: id }), { bytes: png, name: 'a.png' })));
    const renamed = await call(
      postTo('/v1_1/demo/image/rename', form(await signed({ from_public_id: id, to_public_id: 'e_grayscale/x' }))),
    );
    expect(renamed.status).toBe(400);
  });
});
