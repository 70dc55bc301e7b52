import { afterAll, describe, expect, it } from 'vitest';
import { loadSdk, uid } from '../support/sdk';
import { startOrigin } from '../support/origin';
import { md5 } from '../support/upload';
import { fixtureBytes } from '../support/fixtures';

const photo = fixtureBytes('photo-1mp.jpg');

describe('uploads from a remote http(s) URL through the SDK', async () => {
  const { cloudinary } = await loadSdk();
  const origin = await startOrigin({
    '/pics/mountain.jpg': (_req, res) => res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(photo),
    '/moved': (_req, res) => res.writeHead(302, { Location: '/pics/mountain.jpg' }).end(),
    '/notes.txt': (_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('hello'),
  });
  afterAll(() => origin.close());

  it('fetches the file through the guarded fetcher and stores it', async () => {
    const r = await cloudinary.uploader.upload(`${origin.url}/pics/mountain.jpg`, { public_id: uid('remote') });
    expect(r).toMatchObject({
      width: 1152,
      height: 864,
      format: 'jpg',
      bytes: photo.length,
      etag: md5(photo),
      original_filename: 'mountain',
    });
    const via = await cloudinary.uploader.upload(`${origin.url}/moved`, { folder: uid('rf'), use_filename: true, unique_filename: false });
    expect(via.public_id).toMatch(/\/mountain$/);
  });

  it('uses the bytes, not the name, to tell image from raw, and refuses a missing remote file', async () => {
    const raw = await cloudinary.uploader.upload(`${origin.url}/notes.txt`, { resource_type: 'auto', public_id: uid('remote_raw') });
    expect(raw.resource_type).toBe('raw');
    await expect(cloudinary.uploader.upload(`${origin.url}/notes.txt`, { public_id: uid('remote_img') })).rejects.toMatchObject({
      http_code: 400,
      message: 'Invalid image file',
    });
    await expect(cloudinary.uploader.upload(`${origin.url}/nothing.jpg`, { public_id: uid('remote_404') })).rejects.toMatchObject({
      http_code: 400,
      message: `Error in loading ${origin.url}/nothing.jpg - 404 Not Found`,
    });
  });

  // Cloudinary answers http_code 400 for every remote file it cannot load, with the origin's status line.
  it.each([
    [403, '403 Forbidden'],
    [410, '410 Gone'],
    [500, '500 Internal Server Error'],
    [503, '503 Service Unavailable'],
  ])('answers 400 "Error in loading <url> - %s" when the origin answers it', async (status, line) => {
    const path = `/status-${status}.jpg`;
    origin.route(path, (_req, res) => res.writeHead(status, { 'Content-Type': 'text/plain' }).end('no'));
    await expect(cloudinary.uploader.upload(`${origin.url}${path}`, { public_id: uid('remote_status') })).rejects.toMatchObject({
      http_code: 400,
      message: `Error in loading ${origin.url}${path} - ${line}`,
    });
  });

  it("answers 400 in Cloudinary's words for a file too large and an origin that never answers", async () => {
    origin.route('/huge.jpg', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': String(5 * 1024 ** 3) });
      res.write(photo.subarray(0, 1000));
    });
    await expect(cloudinary.uploader.upload(`${origin.url}/huge.jpg`, { public_id: uid('remote_huge') })).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringMatching(/^File size too large\. Got 5368709120\. Maximum is \d+\.$/),
    });
    origin.route('/silent.jpg', () => undefined);
    await expect(cloudinary.uploader.upload(`${origin.url}/silent.jpg`, { public_id: uid('remote_slow') })).rejects.toMatchObject({
      http_code: 400,
      message: `Error in loading ${origin.url}/silent.jpg - Timeout`,
    });
  });
});
