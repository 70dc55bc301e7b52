import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UploadApiOptions, UploadApiResponse } from 'cloudinary';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSdk, uid } from '../support/sdk';
import { md5 } from '../support/upload';
import { fixturePath } from '../support/fixtures';

/** Deterministic pseudo-random bytes (xorshift32), so a failure can be reproduced. */
function generated(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  return out;
}

describe('chunked uploads with upload_large', async () => {
  const { cloudinary } = await loadSdk();
  const dir = mkdtempSync(join(tmpdir(), 'cld-large-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const large = (path: string, opts: UploadApiOptions) =>
    new Promise<UploadApiResponse>((resolve, reject) => {
      cloudinary.uploader.upload_large(path, opts, (err, res) => (err || !res ? reject(err) : resolve(res)));
    });

  const bytes = generated(25 * 1024 * 1024 + 12344, 7);
  const path = join(dir, 'big-file.bin');
  writeFileSync(path, bytes);

  async function expectStored(r: UploadApiResponse) {
    expect(r.bytes).toBe(bytes.length);
    expect(r.etag).toBe(md5(bytes));
    expect(r.resource_type).toBe('raw');
    const res = await fetch(r.url);
    expect(res.status).toBe(200);
    const got = Buffer.from(await res.arrayBuffer());
    expect(got.length).toBe(bytes.length);
    expect(md5(got)).toBe(md5(bytes));
  }

  it('assembles a 25 MB file sent at the default chunk size (20 MB)', { timeout: 240_000 }, async () => {
    const r = await large(path, { public_id: uid('large_default') });
    await expectStored(r);
  });

  it('coalesces small chunks (1 MB) into R2 parts', { timeout: 240_000 }, async () => {
    const r = await large(path, { public_id: uid('large_small'), chunk_size: 1_000_000 });
    await expectStored(r);
  });

  it('takes an image in one chunk as an image when asked', async () => {
    const png = fixturePath('alpha.png');
    const r = await large(png, { public_id: uid('large_img'), resource_type: 'image' });
    expect(r).toMatchObject({ resource_type: 'image', format: 'png', width: 782, height: 687, etag: md5(readFileSync(png)) });
  });
});
