import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../support/webhook-receiver';
import { loadSdk, uid } from '../support/sdk';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
const dataUri = (mime: string, bytes: Buffer) => `data:${mime};base64,${bytes.toString('base64')}`;

/** Every file under `dir`, by its path relative to it. */
function filesUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

describe('archives through the SDK: create_zip, download_zip_url, download_folder, download_archive_url, download_backedup_asset', async () => {
  const { cloudinary } = await loadSdk();
  const work = mkdtempSync(join(tmpdir(), 'archives-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Unpacks an archive with the system's own tools (independent of the writer under test). */
  const unpack = (bytes: Buffer, kind: 'zip' | 'tgz') => {
    const dir = mkdtempSync(join(work, 'out-'));
    const file = join(dir, `archive.${kind}`);
    writeFileSync(file, bytes);
    const into = join(dir, 'files');
    execFileSync('mkdir', ['-p', into]);
    if (kind === 'zip') {
      execFileSync('unzip', ['-tq', file]); // checks every CRC
      execFileSync('unzip', ['-q', file, '-d', into]);
    } else {
      execFileSync('tar', ['-xzf', file, '-C', into]);
    }
    return filesUnder(into);
  };
  const download = async (url: string) => {
    const res = await fetch(url);
    const body = Buffer.from(await res.arrayBuffer());
    return { res, body };
  };

  const folder = uid('arch');
  const tag = uid('archtag');
  const photo = fixture('photo-1mp.jpg');
  const png = fixture('alpha.png');
  const raw = Buffer.from('name,value\nα,1\n', 'utf8');
  await Promise.all([
    cloudinary.uploader.upload(dataUri('image/jpeg', photo), { public_id: `${folder}/photo`, tags: [tag] }),
    cloudinary.uploader.upload(dataUri('image/png', png), { public_id: `${folder}/sub/alpha`, tags: [tag] }),
    cloudinary.uploader.upload(dataUri('text/csv', raw), { public_id: `${folder}/table.csv`, resource_type: 'raw', tags: [tag] }),
  ]);

  it('create_zip stores the archive as a raw asset with Cloudinary answer fields, and its bytes are the originals', async () => {
    const target = uid('archive');
    const answer = await cloudinary.uploader.create_zip({ tags: [tag], target_public_id: target, target_tags: ['archives'] });
    expect(answer).toMatchObject({ resource_type: 'raw', type: 'upload', public_id: `${target}.zip`, file_count: 2, resource_count: 2 });
    expect(answer.tags).toEqual(['archives']);
    for (const key of ['asset_id', 'version', 'version_id', 'signature', 'created_at', 'bytes', 'etag', 'url', 'secure_url', 'access_mode'])
      expect(answer).toHaveProperty(key);
    const { res, body } = await download(answer.secure_url);
    expect(res.status).toBe(200);
    expect(body.length).toBe(answer.bytes);
    const files = unpack(body, 'zip');
    expect([...files.keys()].sort()).toEqual([`${folder}/photo.jpg`, `${folder}/sub/alpha.png`]);
    expect(files.get(`${folder}/photo.jpg`)!.equals(photo)).toBe(true);
    expect(files.get(`${folder}/sub/alpha.png`)!.equals(png)).toBe(true);
  });

  it('download_zip_url streams the archive (with Content-Length) to the holder of the signed URL', async () => {
    const url = cloudinary.utils.download_zip_url({ public_ids: [`${folder}/photo`, `${folder}/sub/alpha`], flatten_folders: true });
    const { res, body } = await download(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[^"]+\.zip"$/);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    const files = unpack(body, 'zip');
    expect([...files.keys()].sort()).toEqual(['alpha.png', 'photo.jpg']);
    expect(files.get('photo.jpg')!.equals(photo)).toBe(true);
  });

  it('download_folder takes every resource type under the folder', async () => {
    const { res, body } = await download(cloudinary.utils.download_folder(`${folder}/`, {}));
    expect(res.status).toBe(200);
    const files = unpack(body, 'zip');
    expect([...files.keys()].sort()).toEqual([`${folder}/photo.jpg`, `${folder}/sub/alpha.png`, `${folder}/table.csv`]);
    expect(files.get(`${folder}/table.csv`)!.equals(raw)).toBe(true);
  });

  it('download_archive_url with target_format tgz gives a gzip tar of the same bytes', async () => {
    const url = cloudinary.utils.download_archive_url({ tags: [tag], resource_type: 'raw', target_format: 'tgz' });
    const { res, body } = await download(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const files = unpack(body, 'tgz');
    expect([...files.keys()]).toEqual([`${folder}/table.csv`]);
    expect(files.get(`${folder}/table.csv`)!.equals(raw)).toBe(true);
  });

  it('transformations put their derived images in the archive, under the transformation', async () => {
    const url = cloudinary.utils.download_zip_url({ tags: [tag], transformations: [{ width: 50, crop: 'scale' }] });
    const { res, body } = await download(url);
    expect(res.status).toBe(200);
    const files = unpack(body, 'zip');
    expect([...files.keys()].sort()).toEqual([`c_scale,w_50/${folder}/photo.jpg`, `c_scale,w_50/${folder}/sub/alpha.png`]);
    const meta = await sharp(files.get(`c_scale,w_50/${folder}/photo.jpg`)!).metadata();
    expect(meta.width).toBe(50);
    expect(meta.format).toBe('jpeg');
  });

  it('refuses tampered, expired and unsigned archive URLs with 401', async () => {
    const url = new URL(cloudinary.utils.download_zip_url({ tags: [tag] }));
    url.searchParams.set('tags[]', 'someone-elses-tag');
    expect((await fetch(url)).status).toBe(401);
    const expired = cloudinary.utils.download_zip_url({ tags: [tag], expires_at: Math.floor(Date.now() / 1000) - 10 });
    expect((await fetch(expired)).status).toBe(401);
    const unsigned = new URL(url);
    unsigned.searchParams.delete('signature');
    expect((await fetch(unsigned)).status).toBe(401);
  });

  it('answers 404 for ids that do not exist, unless allow_missing', async () => {
    const missing = uid('missing');
    const res = await fetch(cloudinary.utils.download_zip_url({ public_ids: [`${folder}/photo`, missing] }));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(missing);
    const lenient = await download(cloudinary.utils.download_zip_url({ public_ids: [`${folder}/photo`, missing], allow_missing: true }));
    expect([...unpack(lenient.body, 'zip').keys()]).toEqual([`${folder}/photo.jpg`]);
    await expect(cloudinary.uploader.create_zip({ tags: [uid('no-such-tag')] })).rejects.toMatchObject({ http_code: 404 });
  });

  it('refuses selectors beyond their count before querying them', async () => {
    const prefixes = Array.from({ length: 101 }, (_, i) => `${folder}/p${i}`);
    const res = await fetch(cloudinary.utils.download_zip_url({ prefixes }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Too many prefixes: at most 100 per archive');
    const ids = Array.from({ length: 1001 }, (_, i) => `${folder}/id${i}`);
    await expect(cloudinary.uploader.create_zip({ public_ids: ids })).rejects.toMatchObject({ http_code: 400 });
  });

  it('download_backedup_asset gives the bytes of an earlier version', async () => {
    const id = uid('backedup');
    const first = await cloudinary.uploader.upload(dataUri('image/png', png), { public_id: id, backup: true });
    await cloudinary.uploader.upload(dataUri('image/jpeg', photo), { public_id: id, backup: true, overwrite: true });
    const { versions } = await cloudinary.api.resource(id, { versions: true });
    const old = (versions as { version_id: string; size: number }[]).find((v) => v.version_id === first.version_id)!;
    expect(old.size).toBe(png.length);
    const { res, body } = await download(cloudinary.utils.download_backedup_asset(first.asset_id, first.version_id));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(`filename="${id}.png"`);
    expect(body.equals(png)).toBe(true);
    const wrong = await fetch(cloudinary.utils.download_backedup_asset(first.asset_id, 'no-such-version'));
    expect(wrong.status).toBe(404);
  });
});

describe('generate_archive with async: true', async () => {
  const { cloudinary } = await loadSdk();
  const receiver = new WebhookReceiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  async function notified(path: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const hit = receiver.received(path)[0];
      if (hit) return JSON.parse(hit.body) as Record<string, unknown>;
      if (Date.now() > deadline) throw new Error(`no notification at ${path}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('answers processing with a batch id; the queue stores the archive and notifies notification_url', async () => {
    const id = uid('asyncarch');
    const png = fixture('alpha.png');
    await cloudinary.uploader.upload(dataUri('image/png', png), { public_id: id });
    const hook = `/archive/${uid()}`;
    const target = uid('asynczip');
    const answer = await cloudinary.uploader.create_zip({
      public_ids: [id],
      target_public_id: target,
      async: true,
      notification_url: receiver.url(hook),
    });
    expect(answer.status).toBe('processing');
    expect(answer.batch_id).toMatch(/^[0-9a-z]{32}$/);
    const done = await notified(hook);
    expect(done).toMatchObject({
      notification_type: 'archive',
      status: 'complete',
      batch_id: answer.batch_id,
      public_id: `${target}.zip`,
      file_count: 1,
    });
    const res = await fetch(done.secure_url as string);
    expect(res.status).toBe(200);
    const stored = await cloudinary.api.resource(`${target}.zip`, { resource_type: 'raw' });
    expect(stored.bytes).toBe(done.bytes);
    // A request the archive refuses is refused in the call, before anything is queued.
    await expect(cloudinary.uploader.create_zip({ async: true })).rejects.toMatchObject({ http_code: 400 });
  });
});
