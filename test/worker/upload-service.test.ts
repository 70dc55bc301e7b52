import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { signParams } from '../../src/auth/api-signature';
import { uploadPresets } from '../../src/config/collections';
import { updateSettings } from '../../src/config/settings';
import { listAll } from '../../src/storage/assets';
import { assetPrefix } from '../../src/storage/keys';
import { getResource } from '../../src/storage/resources';
import { cleanupAbandonedUploads } from '../../src/services/upload/chunked';
import { PART_SIZE } from '../../src/services/upload/staging';
import { fixture, uid } from './support/fixtures';

const DEMO = { key: '123456789012345', secret: 'local-dev-secret' };
type Fields = Record<string, string>;

async function signed(fields: Fields, secret = DEMO.secret): Promise<Fields> {
  const all: Fields = { ...fields, timestamp: String(Math.floor(Date.now() / 1000)) };
  const { file: _file, ...toSign } = all;
  return { ...all, signature: await signParams(toSign, secret), api_key: DEMO.key };
}

function form(fields: Fields, file?: { bytes: Uint8Array; name: string }): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  if (file) f.set('file', new File([file.bytes], file.name));
  return f;
}

const post = (path: string, body: FormData | string, headers: Record<string, string> = {}) =>
  SELF.fetch(`http://w${path}`, { method: 'POST', body, headers });

/** Calls the worker with other variables (smaller limits) in the same storage. */
async function withVars(vars: Record<string, string>, req: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(req, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const md5 = async (b: Uint8Array) =>
  Array.from(new Uint8Array(await crypto.subtle.digest('MD5', b)), (x) => x.toString(16).padStart(2, '0')).join('');
const png = fixture('alpha.png');

describe('signatures on the Upload API', () => {
  it('accepts SHA-1 and SHA-256 signatures and refuses a wrong one', async () => {
    const ok = await post('/v1_1/demo/image/upload', form(await signed({ public_id: uid('s1') }), { bytes: png, name: 'a.png' }));
    expect(ok.status).toBe(200);
    const fields = { public_id: uid('s256'), timestamp: String(Math.floor(Date.now() / 1000)) };
    const sha256 = await signParams(fields, DEMO.secret, 'SHA-256');
    const res = await post(
      '/v1_1/demo/image/upload',
      form({ ...fields, signature: sha256, api_key: DEMO.key }, { bytes: png, name: 'a.png' }),
    );
    expect(res.status).toBe(200);
    const bad = await post(
      '/v1_1/demo/image/upload',
      form(
        { ...fields, signature: sha256.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')), api_key: DEMO.key },
        { bytes: png, name: 'a.png' },
      ),
    );
    expect(bad.status).toBe(401);
  });

  it('checks the signature of the fields that come after the file part too', async () => {
    const fields = await signed({ public_id: uid('order'), tags: 'late' });
    const f = new FormData();
    f.set('file', new File([png], 'a.png'));
    for (const [k, v] of Object.entries(fields)) f.set(k, v);
    const res = await post('/v1_1/demo/image/upload', f);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { tags: string[] }).tags).toEqual(['late']);
  });
});

describe('upload presets', () => {
  it('lets an unsigned upload through an unsigned preset, with its parameters under the request', async () => {
    const preset = uid('unsigned');
    const folder = uid('pf');
    await uploadPresets(env.CONFIG, 'demo').put(preset, {
      name: preset,
      unsigned: true,
      settings: { folder, tags: 'from_preset', return_delete_token: 'true' },
    });
    const res = await post('/v1_1/demo/image/upload', form({ upload_preset: preset, public_id: 'mine' }, { bytes: png, name: 'a.png' }));
    expect(res.status).toBe(200);
    const r = (await res.json()) as { public_id: string; tags: string[]; delete_token?: string; version: number };
    expect(r.public_id).toBe(`${folder}/mine`);
    expect(r.tags).toEqual(['from_preset']);
    expect(r.delete_token).toBeDefined();
    // The request's own tags win over the preset's.
    const second = await post(
      '/v1_1/demo/image/upload',
      form({ upload_preset: preset, public_id: 'other', tags: 'mine' }, { bytes: png, name: 'a.png' }),
    );
    expect(((await second.json()) as { tags: string[] }).tags).toEqual(['mine']);
    // Unsigned uploads do not overwrite unless the preset says so.
    const again = await post(
      '/v1_1/demo/image/upload',
      form({ upload_preset: preset, public_id: 'mine' }, { bytes: fixture('static.gif'), name: 'b.gif' }),
    );
    const kept = (await again.json()) as { version: number; format: string; existing: boolean };
    expect(kept).toMatchObject({ version: r.version, format: 'png', existing: true });
  });

  it('refuses signed-only and missing presets, and parameters an unsigned upload may not set', async () => {
    const preset = uid('signedonly');
    await uploadPresets(env.CONFIG, 'demo').put(preset, { name: preset, unsigned: false, settings: {} });
    const signedOnly = await post('/v1_1/demo/image/upload', form({ upload_preset: preset }, { bytes: png, name: 'a.png' }));
    expect(signedOnly.status).toBe(400);
    expect(((await signedOnly.json()) as { error: { message: string } }).error.message).toBe(
      'Upload preset must be whitelisted for unsigned uploads',
    );
    const missing = await post('/v1_1/demo/image/upload', form({ upload_preset: uid('nope') }, { bytes: png, name: 'a.png' }));
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/^Upload preset not found/);
    const open = uid('open');
    await uploadPresets(env.CONFIG, 'demo').put(open, { name: open, unsigned: true, settings: {} });
    const sneaky = await post(
      '/v1_1/demo/image/upload',
      form({ upload_preset: open, overwrite: 'true', type: 'private' }, { bytes: png, name: 'a.png' }),
    );
    expect(sneaky.status).toBe(400);
    expect(((await sneaky.json()) as { error: { message: string } }).error.message).toMatch(/not allowed when using unsigned upload/);
  });

  it("applies the cloud's default_upload_preset when a request names none", async () => {
    const preset = uid('default');
    await uploadPresets(env.CONFIG, 'third').put(preset, { name: preset, unsigned: true, settings: { tags: 'by_default' } });
    await updateSettings(env.CONFIG, 'third', { default_upload_preset: preset });
    const res = await post('/v1_1/third/image/upload', form({ public_id: uid('d') }, { bytes: png, name: 'a.png' }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { tags: string[] }).tags).toEqual(['by_default']);
    await updateSettings(env.CONFIG, 'third', { default_upload_preset: null });
  });
});

describe('storage of uploads', () => {
  it('streams a file larger than one R2 part through a multipart upload and leaves no staging objects', { timeout: 60_000 }, async () => {
    const big = new Uint8Array(PART_SIZE * 2 + 12345).map((_, i) => (i * 2654435761) >>> 24);
    const id = uid('big');
    const res = await post('/v1_1/demo/raw/upload', form(await signed({ public_id: id }), { bytes: big, name: 'big.bin' }));
    expect(res.status).toBe(200);
    const r = (await res.json()) as { bytes: number; etag: string; url: string };
    expect(r.bytes).toBe(big.length);
    expect(r.etag).toBe(await md5(big));
    const stored = await (await SELF.fetch(r.url)).arrayBuffer();
    expect(await md5(new Uint8Array(stored))).toBe(r.etag);
    expect(await listAll(env.BUCKET, 'u/')).toEqual([]);
  });

  it('decodes a large Base64 data URI as it streams', { timeout: 60_000 }, async () => {
    const big = new Uint8Array(PART_SIZE + 999).map((_, i) => (i * 40503) & 0xff);
    let bin = '';
    for (let i = 0; i < big.length; i += 8192) bin += String.fromCharCode(...big.subarray(i, i + 8192));
    const res = await post(
      '/v1_1/demo/raw/upload',
      form(await signed({ public_id: uid('b64'), file: `data:application/octet-stream;base64,${btoa(bin)}` })),
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { etag: string }).etag).toBe(await md5(big));
    expect(await listAll(env.BUCKET, 'u/')).toEqual([]);
  });

  it('refuses a body over MAX_UPLOAD_BYTES with 400 "File size too large" and stores nothing', async () => {
    const id = uid('limit');
    const f = form(await signed({ public_id: id }), { bytes: png, name: 'a.png' });
    const res = await withVars({ MAX_UPLOAD_BYTES: '50000' }, new Request('http://w/v1_1/demo/image/upload', { method: 'POST', body: f }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^File size too large/);
    expect(await getResource(env.DB, { cloud: 'demo', resourceType: 'image', type: 'upload', publicId: id })).toBeNull();
    const pixels = await withVars(
      { MAX_IMAGE_PIXELS: '1000' },
      new Request('http://w/v1_1/demo/image/upload', {
        method: 'POST',
        body: form(await signed({ public_id: id }), { bytes: png, name: 'a.png' }),
      }),
    );
    expect(((await pixels.json()) as { error: { message: string } }).error.message).toMatch(/^Image too large/);
    expect(await listAll(env.BUCKET, 'u/')).toEqual([]);
  });

  it('leaves one consistent asset and nothing orphaned in R2 after parallel uploads to one public id', async () => {
    const id = uid('race');
    const files = [fixture('alpha.png'), fixture('photo-1mp.jpg'), fixture('static.gif'), fixture('lossy.webp')];
    const answers = await Promise.all(
      files.map(
        async (bytes, i) =>
          (await post('/v1_1/demo/image/upload', form(await signed({ public_id: id }), { bytes, name: `f${i}` }))).json() as Promise<{
            version: number;
            etag: string;
          }>,
      ),
    );
    const row = (await getResource(env.DB, { cloud: 'demo', resourceType: 'image', type: 'upload', publicId: id }))!;
    expect(row.version).toBe(Math.max(...answers.map((a) => a.version)));
    const originals = await listAll(env.BUCKET, assetPrefix('o', { cloud: 'demo', resourceType: 'image', type: 'upload', publicId: id }));
    expect(originals).toEqual([row.r2_key]);
    const obj = await env.BUCKET.get(row.r2_key);
    expect(await md5(new Uint8Array(await obj!.arrayBuffer()))).toBe(row.etag);
    expect(answers.find((a) => a.version === row.version)!.etag).toBe(row.etag);
    expect(await listAll(env.BUCKET, 'u/')).toEqual([]);
  });

  it('stores eager results as eager derived images that delivery serves', async () => {
    const id = uid('eager');
    const res = await post(
      '/v1_1/demo/image/upload',
      form(await signed({ public_id: id, eager: 'c_scale,w_100' }), { bytes: png, name: 'a.png' }),
    );
    const r = (await res.json()) as { eager: { url: string; bytes: number }[] };
    const row = (await getResource(env.DB, { cloud: 'demo', resourceType: 'image', type: 'upload', publicId: id }))!;
    const derived = await env.DB.prepare('SELECT eager, r2_key FROM derived WHERE resource_id = ?')
      .bind(row.id)
      .all<{ eager: number; r2_key: string }>();
    expect(derived.results).toHaveLength(1);
    expect(derived.results[0].eager).toBe(1);
    const served = await SELF.fetch(r.eager[0].url);
    expect(served.status).toBe(200);
    expect((await served.arrayBuffer()).byteLength).toBe(r.eager[0].bytes);
    const after = await env.DB.prepare('SELECT count(*) AS n FROM derived WHERE resource_id = ?').bind(row.id).first<{ n: number }>();
    expect(after!.n).toBe(1);
  });
});

describe('chunked uploads and delete tokens', () => {
  it('aborts an abandoned chunked upload on a later clean-up pass', { timeout: 60_000 }, async () => {
    const uploadId = uid('abandon');
    const chunk = new Uint8Array(PART_SIZE + 100).fill(7);
    const res = await post('/v1_1/demo/raw/upload', form(await signed({ public_id: uid('ab') }), { bytes: chunk, name: 'blob' }), {
      'Content-Range': `bytes 0-${chunk.length - 1}/-1`,
      'X-Unique-Upload-Id': uploadId,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ done: false, bytes: chunk.length });
    const session = await env.DB.prepare('SELECT r2_key FROM upload_sessions WHERE upload_id = ?')
      .bind(uploadId)
      .first<{ r2_key: string }>();
    expect(session).not.toBeNull();
    expect(await listAll(env.BUCKET, `${session!.r2_key}.tail`)).toHaveLength(1);
    // Nothing is aborted while the upload is fresh.
    await cleanupAbandonedUploads(env);
    expect(await env.DB.prepare('SELECT 1 FROM upload_sessions WHERE upload_id = ?').bind(uploadId).first()).not.toBeNull();
    expect(await cleanupAbandonedUploads(env, Date.now() + 2 * 3600 * 1000)).toBeGreaterThanOrEqual(1);
    expect(await env.DB.prepare('SELECT 1 FROM upload_sessions WHERE upload_id = ?').bind(uploadId).first()).toBeNull();
    expect(await listAll(env.BUCKET, session!.r2_key)).toEqual([]);
    // A chunk for the aborted upload cannot continue it.
    const late = await post('/v1_1/demo/raw/upload', form(await signed({}), { bytes: new Uint8Array(10), name: 'blob' }), {
      'Content-Range': `bytes ${chunk.length}-${chunk.length + 9}/${chunk.length + 10}`,
      'X-Unique-Upload-Id': uploadId,
    });
    expect(late.status).toBe(400);
  });

  it('assembles chunks whether the file part comes after the signed fields (streamed straight in) or before them (staged first)', async () => {
    const data = new Uint8Array(3000).map((_, i) => (i * 13) & 0xff);
    for (const fileFirst of [false, true]) {
      const uploadId = uid('both');
      const id = uid('chunks');
      const send = async (from: number, to: number, total: string) => {
        const fields = await signed({ public_id: id });
        const f = new FormData();
        const file = new File([data.slice(from, to + 1)], 'blob');
        if (fileFirst) f.set('file', file);
        for (const [k, v] of Object.entries(fields)) f.set(k, v);
        if (!fileFirst) f.set('file', file);
        return post('/v1_1/demo/raw/upload', f, { 'Content-Range': `bytes ${from}-${to}/${total}`, 'X-Unique-Upload-Id': uploadId });
      };
      expect(await (await send(0, 999, '-1')).json()).toMatchObject({ done: false, bytes: 1000, public_id: id });
      expect((await send(1000, 1999, '-1')).status).toBe(200);
      const last = (await (await send(2000, 2999, '3000')).json()) as { public_id: string; bytes: number; etag: string };
      expect(last).toMatchObject({ public_id: id, bytes: 3000, etag: await md5(data) });
    }
    expect(await listAll(env.BUCKET, 'u/')).toEqual([]);
  });

  it('refuses chunks out of order', async () => {
    const uploadId = uid('order');
    const first = await post('/v1_1/demo/raw/upload', form(await signed({}), { bytes: new Uint8Array(10), name: 'blob' }), {
      'Content-Range': 'bytes 0-9/-1',
      'X-Unique-Upload-Id': uploadId,
    });
    expect(first.status).toBe(200);
    const skip = await post('/v1_1/demo/raw/upload', form(await signed({}), { bytes: new Uint8Array(10), name: 'blob' }), {
      'Content-Range': 'bytes 20-29/30',
      'X-Unique-Upload-Id': uploadId,
    });
    expect(skip.status).toBe(400);
    expect(((await skip.json()) as { error: { message: string } }).error.message).toMatch(/out of order/);
  });

  it('honours a delete token for 10 minutes, then no longer', async () => {
    const upload = async () =>
      (await (
        await post(
          '/v1_1/demo/image/upload',
          form(await signed({ public_id: uid('tok'), return_delete_token: '1' }), { bytes: png, name: 'a.png' }),
        )
      ).json()) as { delete_token: string; public_id: string };
    const fresh = await upload();
    const stale = await upload();
    await env.DB.prepare('UPDATE delete_tokens SET expires_at = ? WHERE token = ?')
      .bind(Math.floor(Date.now() / 1000) - 1, stale.delete_token)
      .run();
    const expired = await post('/v1_1/demo/delete_by_token', `token=${stale.delete_token}`, {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(expired.status).toBe(400);
    expect(await getResource(env.DB, { cloud: 'demo', resourceType: 'image', type: 'upload', publicId: stale.public_id })).not.toBeNull();
    const row = await env.DB.prepare('SELECT expires_at FROM delete_tokens WHERE token = ?')
      .bind(fresh.delete_token)
      .first<{ expires_at: number }>();
    expect(row!.expires_at - Math.floor(Date.now() / 1000)).toBeGreaterThan(590);
    expect(row!.expires_at - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(600);
    const ok = await post('/v1_1/demo/delete_by_token', `token=${fresh.delete_token}`, {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(await ok.json()).toEqual({ result: 'ok' });
    expect(await getResource(env.DB, { cloud: 'demo', resourceType: 'image', type: 'upload', publicId: fresh.public_id })).toBeNull();
    // Another cloud cannot use the token.
    const other = await upload();
    const foreign = await post('/v1_1/other/delete_by_token', `token=${other.delete_token}`, {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(foreign.status).toBe(400);
  });
});

describe('frames of a long animation', () => {
  /** A GIF of `frames` 1x1 frames, each carrying `filler` bytes of sub-blocks, so the file is as long as asked. */
  function longGif(frames: number, filler: number): Uint8Array {
    const subBlocks = new Uint8Array(Math.ceil(filler / 255) * 256 + 1);
    for (let i = 0; i < subBlocks.length - 1; i += 256) subBlocks[i] = 255;
    const frame = new Uint8Array([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, ...subBlocks]);
    const head = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0, 0, 0]);
    const out = new Uint8Array(head.length + frames * frame.length + 1);
    out.set(head);
    for (let i = 0; i < frames; i++) out.set(frame, head.length + i * frame.length);
    out[out.length - 1] = 0x3b;
    return out;
  }

  it('counts every frame of a GIF staged in R2 (past one part), streaming it', async () => {
    const gif = longGif(400, 16_000);
    expect(gif.length).toBeGreaterThan(PART_SIZE);
    const res = await post('/v1_1/demo/image/upload', form(await signed({ public_id: uid('long-gif') }), { bytes: gif, name: 'long.gif' }));
    expect(res.status).toBe(200);
    const answer = await res.json<{ pages: number; format: string }>();
    expect(answer).toMatchObject({ format: 'gif', pages: 400 });
  });
});
