import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { basicAuth, DEMO } from '../support/clouds';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';
import { serve, startOrigin, type Origin } from '../support/origin';
import { startOwnWorker } from '../support/worker';
import { fixtureBytes } from '../support/fixtures';

const photo = fixtureBytes('photo-1mp.jpg');
const png = fixtureBytes('alpha.png');
const gif = fixtureBytes('static.gif');

const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());

describe('fetch delivery against a real origin', async () => {
  const { cloudinary, base } = await loadSdk();
  let origin: Origin;

  beforeAll(async () => {
    origin = await startOrigin();
  });
  afterAll(() => origin.close());

  const fetchUrl = (remote: string, opts: Record<string, unknown> = {}) => cloudinary.url(remote, { ...LOCAL_URL, type: 'fetch', ...opts });

  it('delivers the remote original byte for byte and keeps it, so repeated requests do not reach the origin', async () => {
    const path = `/${uid()}/photo.jpg`;
    origin.route(path, serve(photo, { 'Content-Type': 'image/jpeg' }));
    const url = fetchUrl(origin.url + path);
    expect(url).toBe(`${base}/demo/image/fetch/${origin.url}${path}`);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect((await bytesOf(res)).equals(photo)).toBe(true);
    }
    expect(origin.hits(path)).toBe(1);
  });

  it('accepts the remote URL URL-encoded as the SDK writes a query string, and plain', async () => {
    const path = `/${uid()}/img`;
    origin.route(path, serve(png, { 'Content-Type': 'image/png' }));
    const encoded = fetchUrl(`${origin.url}${path}?size=large&v=2`);
    expect(encoded).toContain('%3Fsize%3Dlarge%26v%3D2');
    const a = await fetch(encoded);
    expect(a.status).toBe(200);
    expect((await bytesOf(a)).equals(png)).toBe(true);
    const plain = await fetch(`${base}/demo/image/fetch/${origin.url}${path}?size=large&v=2`);
    expect(plain.status).toBe(200);
    expect((await bytesOf(plain)).equals(png)).toBe(true);
    const fullyEncoded = await fetch(`${base}/demo/image/fetch/${encodeURIComponent(`${origin.url}${path}?size=large&v=2`)}`);
    expect(fullyEncoded.status).toBe(200);
    expect(origin.requests.filter((r) => r.path === `${path}?size=large&v=2`)).toHaveLength(1);
  });

  it('takes the type from the bytes when the origin sends a vague Content-Type', async () => {
    const path = `/${uid()}/download`;
    origin.route(path, serve(gif, { 'Content-Type': 'application/octet-stream' }));
    const res = await fetch(fetchUrl(origin.url + path));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
  });

  it('answers a remote 404 with 404 and an X-Cld-Error naming the remote status', async () => {
    const res = await fetch(fetchUrl(`${origin.url}/${uid()}/missing.jpg`));
    expect(res.status).toBe(404);
    expect(res.headers.get('x-cld-error')).toMatch(/remote server answered 404/);
  });

  it('answers a remote server error with 502 naming the status', async () => {
    const path = `/${uid()}/broken.jpg`;
    origin.route(path, serve('oops', {}, 503));
    const res = await fetch(fetchUrl(origin.url + path));
    expect(res.status).toBe(502);
    expect(res.headers.get('x-cld-error')).toMatch(/remote server answered 503/);
  });

  it('refuses a remote answer that is not an image', async () => {
    const path = `/${uid()}/page.jpg`;
    origin.route(path, serve('<html><body>hello</body></html>', { 'Content-Type': 'text/html' }));
    const res = await fetch(fetchUrl(origin.url + path));
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/not an image \(text\/html/);
  });

  it('follows a redirect and refuses a redirect loop after a few hops', async () => {
    const target = `/${uid()}/target.jpg`;
    const hop = `/${uid()}/hop`;
    const loop = `/${uid()}/loop`;
    origin.route(target, serve(photo, { 'Content-Type': 'image/jpeg' }));
    origin.route(hop, serve('', { Location: target }, 302));
    origin.route(loop, serve('', { Location: loop }, 307));
    const res = await fetch(fetchUrl(origin.url + hop));
    expect(res.status).toBe(200);
    expect((await bytesOf(res)).equals(photo)).toBe(true);
    const looped = await fetch(fetchUrl(origin.url + loop));
    expect(looped.status).toBe(400);
    expect(looped.headers.get('x-cld-error')).toMatch(/too many redirects/);
    expect(origin.hits(loop)).toBeLessThanOrEqual(5);
  });

  it('refuses a declared oversized body without reading it', async () => {
    const path = `/${uid()}/huge.jpg`;
    origin.route(path, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': String(5 * 1024 * 1024 * 1024) });
      res.write(photo.subarray(0, 1024));
    });
    const res = await fetch(fetchUrl(origin.url + path));
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/File size too large\. Got 5368709120/);
  });

  it('answers a HEAD and a conditional request of a fetched image', async () => {
    const path = `/${uid()}/photo.jpg`;
    origin.route(path, serve(photo, { 'Content-Type': 'image/jpeg' }));
    const url = fetchUrl(origin.url + path);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(photo.length));
    const etag = head.headers.get('etag')!;
    const again = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(origin.hits(path)).toBe(1);
  });

  it('transforms a fetched image like a stored one, from the kept original', async () => {
    const path = `/${uid()}/photo.jpg`;
    origin.route(path, serve(photo, { 'Content-Type': 'image/jpeg' }));
    const url = fetchUrl(origin.url + path, { width: 200, crop: 'scale', format: 'png' });
    expect(url).toContain('/image/fetch/c_scale,f_png,w_200/');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const meta = await sharp(await bytesOf(res)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 200, 150]);
    const other = await fetch(fetchUrl(origin.url + path, { width: 100, crop: 'scale' }));
    expect(other.status).toBe(200);
    expect((await sharp(await bytesOf(other)).metadata()).width).toBe(100);
    expect(origin.hits(path)).toBe(1);
  });

  it('rejects fetch URLs of other schemes with 400', async () => {
    const res = await fetch(`${base}/demo/image/fetch/ftp://example.com/a.jpg`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/only http and https/);
  });
});

describe('auto-upload through upload mappings', async () => {
  const { cloudinary, base } = await loadSdk();
  let origin: Origin;

  beforeAll(async () => {
    origin = await startOrigin();
  });
  afterAll(() => origin.close());

  it('manages mappings through the SDK: create, get, list, update, delete', async () => {
    const folder = `map_${uid()}`;
    const created = await cloudinary.api.create_upload_mapping(folder, { template: 'https://example.com/images/' });
    expect(created).toMatchObject({ message: 'created', folder });
    expect(await cloudinary.api.upload_mapping(folder)).toMatchObject({ folder, template: 'https://example.com/images/' });
    const listed = await cloudinary.api.upload_mappings({ max_results: 500 });
    expect(listed.mappings).toContainEqual({ folder, template: 'https://example.com/images/' });
    expect(listed.rate_limit_allowed).toBeGreaterThan(0);
    expect(await cloudinary.api.update_upload_mapping(folder, { template: 'https://example.org/' })).toMatchObject({ message: 'updated' });
    expect(await cloudinary.api.upload_mapping(folder)).toMatchObject({ template: 'https://example.org/' });
    expect(await cloudinary.api.delete_upload_mapping(folder)).toMatchObject({ message: 'deleted' });
    const gone = await cloudinary.api.upload_mapping(folder).catch((e: { error: { http_code: number; message: string } }) => e.error);
    expect(gone.http_code).toBe(404);
  });

  it('refuses duplicates, unknown folders and bad templates with clear errors', async () => {
    const folder = `map_${uid()}`;
    await cloudinary.api.create_upload_mapping(folder, { template: 'https://example.com/' });
    const dup = await cloudinary.api
      .create_upload_mapping(folder, { template: 'https://example.com/' })
      .catch((e: { error: { http_code: number } }) => e.error);
    expect(dup.http_code).toBe(409);
    const missing = await cloudinary.api
      .update_upload_mapping(`nope_${uid()}`, { template: 'https://example.com/' })
      .catch((e: { error: { http_code: number } }) => e.error);
    expect(missing.http_code).toBe(404);
    const bad = await cloudinary.api
      .create_upload_mapping(`map_${uid()}`, { template: 'ftp://example.com/' })
      .catch((e: { error: { http_code: number; message: string } }) => e.error);
    expect(bad.http_code).toBe(400);
    expect(bad.message).toMatch(/template/);
    const unauth = await fetch(`${base}/v1_1/demo/upload_mappings`, {
      headers: { Authorization: basicAuth({ ...DEMO, api_secret: 'wrong' }) },
    });
    expect(unauth.status).toBe(401);
  });

  it('pages through mappings with next_cursor', async () => {
    const res = await fetch(`${base}/v1_1/third/upload_mappings?max_results=1`, {
      headers: { Authorization: basicAuth({ api_key: '333333333333333', api_secret: 'third-secret' }) },
    });
    expect(res.status).toBe(200);
    const prefix = `page_${uid()}`;
    for (const n of ['a', 'b', 'c']) {
      const r = await fetch(`${base}/v1_1/third/upload_mappings`, {
        method: 'POST',
        headers: {
          Authorization: basicAuth({ api_key: '333333333333333', api_secret: 'third-secret' }),
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: `folder=${prefix}_${n}&template=${encodeURIComponent('https://example.com/')}`,
      });
      expect(r.status).toBe(200);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const q = new URLSearchParams({ max_results: '2', ...(cursor ? { next_cursor: cursor } : {}) });
      const page = (await (
        await fetch(`${base}/v1_1/third/upload_mappings?${q}`, {
          headers: { Authorization: basicAuth({ api_key: '333333333333333', api_secret: 'third-secret' }) },
        })
      ).json()) as { mappings: { folder: string }[]; next_cursor?: string };
      expect(page.mappings.length).toBeLessThanOrEqual(2);
      seen.push(...page.mappings.map((m: { folder: string }) => m.folder));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.filter((f) => f.startsWith(prefix))).toEqual([`${prefix}_a`, `${prefix}_b`, `${prefix}_c`]);
  });

  it('stores a missing mapped asset as a real upload on first delivery, then serves it even when the origin is gone', async () => {
    const folder = `auto_${uid()}`;
    const dir = `/${uid()}/`;
    origin.route(`${dir}sub/pic.jpg`, serve(photo, { 'Content-Type': 'image/jpeg' }));
    await cloudinary.api.create_upload_mapping(folder, { template: `${origin.url}${dir}` });
    const url = cloudinary.url(`${folder}/sub/pic`, { ...LOCAL_URL, format: 'jpg' });
    expect(url).toContain('/v1/');
    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect((await bytesOf(first)).equals(photo)).toBe(true);
    expect(origin.hits(`${dir}sub/pic.jpg`)).toBe(1);

    origin.route(`${dir}sub/pic.jpg`, serve('gone', {}, 404));
    const later = await fetch(url);
    expect(later.status).toBe(200);
    expect((await bytesOf(later)).equals(photo)).toBe(true);
    expect(origin.hits(`${dir}sub/pic.jpg`)).toBe(1);

    // It is a real asset: the Admin API lists it, and an upload that must not overwrite finds it.
    const info = await cloudinary.api.resource(`${folder}/sub/pic`);
    expect(info).toMatchObject({
      public_id: `${folder}/sub/pic`,
      format: 'jpg',
      width: 1152,
      height: 864,
      bytes: photo.length,
      type: 'upload',
    });
    const listing = await cloudinary.api.resources({ type: 'upload', prefix: `${folder}/` });
    expect(listing.resources.map((r: { public_id: string }) => r.public_id)).toEqual([`${folder}/sub/pic`]);
    const existing = await cloudinary.uploader.upload(`data:image/png;base64,${png.toString('base64')}`, {
      public_id: `${folder}/sub/pic`,
      overwrite: false,
    });
    expect(existing.existing).toBe(true);
    expect(existing.format).toBe('jpg');
    expect(existing.width).toBe(1152);
    expect(existing.version).toBe(info.version);
  });

  it('delivers a transformation of a mapped asset on its first request', async () => {
    const folder = `auto_${uid()}`;
    const dir = `/${uid()}/`;
    origin.route(`${dir}pic.jpg`, serve(photo, { 'Content-Type': 'image/jpeg' }));
    await cloudinary.api.create_upload_mapping(folder, { template: `${origin.url}${dir}` });
    // The path after the folder, extension included, is what the origin is asked for; f_ picks the output format.
    const res = await fetch(
      cloudinary.url(`${folder}/pic`, { ...LOCAL_URL, width: 64, height: 64, crop: 'fill', fetch_format: 'webp', format: 'jpg' }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(await bytesOf(res)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 64, 64]);
    const original = await fetch(cloudinary.url(`${folder}/pic`, { ...LOCAL_URL, format: 'jpg' }));
    expect((await bytesOf(original)).equals(photo)).toBe(true);
    expect(origin.hits(`${dir}pic.jpg`)).toBe(1);
  });

  it('stores an asset requested by racing requests once', async () => {
    const folder = `race_${uid()}`;
    const dir = `/${uid()}/`;
    origin.route(`${dir}pic.png`, async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': String(png.length) }).end(png);
    });
    await cloudinary.api.create_upload_mapping(folder, { template: `${origin.url}${dir}` });
    const url = `${base}/demo/image/upload/${folder}/pic.png`;
    const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(url)));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    const etags = new Set(answers.map((r) => r.headers.get('etag')));
    expect(etags.size).toBe(1);
    for (const r of answers) expect((await bytesOf(r)).equals(png)).toBe(true);
    expect(origin.hits(`${dir}pic.png`)).toBe(1);
    const listing = await cloudinary.api.resources({ type: 'upload', prefix: `${folder}/` });
    expect(listing.resources).toHaveLength(1);
    expect(listing.resources[0]).toMatchObject({ public_id: `${folder}/pic`, format: 'png' });
  });

  it('answers 404 naming the remote status when the mapped origin has no such file, and leaves other folders alone', async () => {
    const folder = `auto_${uid()}`;
    await cloudinary.api.create_upload_mapping(folder, { template: `${origin.url}/${uid()}/` });
    const res = await fetch(`${base}/demo/image/upload/${folder}/nothing.jpg`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-cld-error')).toMatch(/remote server answered 404/);
    const unmapped = await fetch(`${base}/demo/image/upload/unmapped_${uid()}/nothing.jpg`);
    expect(unmapped.status).toBe(404);
    expect(unmapped.headers.get('x-cld-error')).toMatch(/Resource not found/);
  });
});

describe('fetch with short limits and per-cloud settings (own worker)', () => {
  let origin: Origin;
  let worker: Awaited<ReturnType<typeof startOwnWorker>>;
  const auth = { Authorization: basicAuth(DEMO), 'Content-Type': 'application/json' };

  beforeAll(async () => {
    origin = await startOrigin();
    worker = await startOwnWorker({ FETCH_TTL_SECONDS: '2', FETCH_TIMEOUT_MS: '1500', MAX_FETCH_BYTES: '2000000' });
  });
  afterAll(async () => {
    await worker?.dispose();
    await origin?.close();
  });

  const fetchVia = (remote: string, cloud = 'demo') => fetch(`${worker.url}/${cloud}/image/fetch/${remote}`);

  it('gives up on an origin that never answers, in bounded time', async () => {
    const path = `/${uid()}/slow.jpg`;
    origin.route(path, () => undefined);
    const started = Date.now();
    const res = await fetchVia(origin.url + path);
    expect(res.status).toBe(504);
    expect(res.headers.get('x-cld-error')).toMatch(/Timed out loading/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('gives up on a body that stalls halfway, in bounded time', async () => {
    const path = `/${uid()}/stall.jpg`;
    origin.route(path, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': String(photo.length) });
      res.write(photo.subarray(0, 4096));
    });
    const started = Date.now();
    const res = await fetchVia(origin.url + path);
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops reading an endless body at the size limit', async () => {
    const path = `/${uid()}/endless.jpg`;
    let sent = 0;
    origin.route(path, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        while (!res.destroyed && sent < 200 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const res = await fetchVia(origin.url + path);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/File size too large\. Got more than 2000000/);
    expect(sent).toBeLessThan(100 * 1024 * 1024);
  });

  it('refreshes after the TTL with a conditional request, keeps unchanged bytes, and picks up new ones', async () => {
    const path = `/${uid()}/changing.jpg`;
    let body: Buffer = photo;
    let etag = '"one"';
    origin.route(path, (req, res) => {
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { ETag: etag }).end();
      res.writeHead(200, { 'Content-Type': 'image/jpeg', ETag: etag, 'Content-Length': String(body.length) }).end(body);
    });
    const first = await fetchVia(origin.url + path);
    expect(first.status).toBe(200);
    const firstTag = first.headers.get('etag');
    await first.arrayBuffer();
    await (await fetchVia(origin.url + path)).arrayBuffer();
    expect(origin.hits(path)).toBe(1);

    await new Promise((r) => setTimeout(r, 2200));
    const revalidated = await fetchVia(origin.url + path);
    expect(revalidated.status).toBe(200);
    expect((await bytesOf(revalidated)).equals(photo)).toBe(true);
    expect(revalidated.headers.get('etag')).toBe(firstTag);
    expect(origin.hits(path)).toBe(2);
    expect(origin.requests.filter((r) => r.path === path)[1].headers['if-none-match']).toBe('"one"');

    body = png;
    etag = '"two"';
    await new Promise((r) => setTimeout(r, 2200));
    const changed = await fetchVia(origin.url + path);
    expect(changed.status).toBe(200);
    expect(changed.headers.get('content-type')).toBe('image/png');
    expect((await bytesOf(changed)).equals(png)).toBe(true);
    expect(changed.headers.get('etag')).not.toBe(firstTag);
  });

  it('serves the kept copy when the origin fails after the TTL, and drops it when the origin says 404', async () => {
    const path = `/${uid()}/flaky.jpg`;
    origin.route(path, serve(photo, { 'Content-Type': 'image/jpeg' }));
    expect((await fetchVia(origin.url + path)).status).toBe(200);
    origin.route(path, serve('down', {}, 500));
    await new Promise((r) => setTimeout(r, 2200));
    const stale = await fetchVia(origin.url + path);
    expect(stale.status).toBe(200);
    expect((await bytesOf(stale)).equals(photo)).toBe(true);
    expect(origin.hits(path)).toBe(2);
    // The failing origin is asked again only after the retry interval, not on every request.
    expect((await fetchVia(origin.url + path)).status).toBe(200);
    expect(origin.hits(path)).toBe(2);
    await new Promise((r) => setTimeout(r, 2200));
    origin.route(path, serve('gone', {}, 404));
    const gone = await fetchVia(origin.url + path);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('x-cld-error')).toMatch(/remote server answered 404/);
  });

  it('obeys allowed_fetch_domains, for redirects too, and for auto-upload', async () => {
    const put = (domains: string[]) =>
      fetch(`${worker.url}/v1_1/demo/settings`, { method: 'PUT', headers: auth, body: JSON.stringify({ allowed_fetch_domains: domains }) });
    const path = `/${uid()}/ok.jpg`;
    const away = `/${uid()}/away`;
    origin.route(path, serve(photo, { 'Content-Type': 'image/jpeg' }));
    origin.route(away, serve('', { Location: `http://localhost:${origin.port}${path}` }, 302));
    expect((await put(['127.0.0.1'])).status).toBe(200);

    expect((await fetchVia(origin.url + path)).status).toBe(200);
    const redirected = await fetchVia(origin.url + away);
    expect(redirected.status).toBe(403);
    expect(redirected.headers.get('x-cld-error')).toMatch(/localhost is not in allowed_fetch_domains/);
    const direct = await fetchVia(`http://localhost:${origin.port}${path}`);
    expect(direct.status).toBe(403);

    const folder = `auto_${uid()}`;
    const mapped = await fetch(`${worker.url}/v1_1/demo/upload_mappings`, {
      method: 'POST',
      headers: { Authorization: basicAuth(DEMO), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `folder=${folder}&template=${encodeURIComponent(`http://localhost:${origin.port}/`)}`,
    });
    expect(mapped.status).toBe(200);
    const refused = await fetch(`${worker.url}/demo/image/upload/${folder}${path}`);
    expect(refused.status).toBe(403);

    // Narrowing the list takes effect for a URL already kept.
    expect((await put(['*.example.com'])).status).toBe(200);
    const narrowed = await fetchVia(origin.url + path);
    expect(narrowed.status).toBe(403);
    expect((await put([])).status).toBe(200);
  });
});
