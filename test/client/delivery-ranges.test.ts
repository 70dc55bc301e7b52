import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';

const photo = readFileSync(new URL('../fixtures/photo-1mp.jpg', import.meta.url));

/** `Range` requests on delivered files, as a CDN answers them (players seeking, PDF viewers, resumed downloads). */
describe('byte ranges on delivery', async () => {
  const { cloudinary } = await loadSdk();
  const bytes = randomBytes(300_000);
  const rawId = `${uid('ranges')}.bin`;
  await cloudinary.uploader.upload(`data:application/octet-stream;base64,${bytes.toString('base64')}`, {
    resource_type: 'raw',
    public_id: rawId,
  });
  const rawUrl = cloudinary.url(rawId, { ...LOCAL_URL, resource_type: 'raw' });
  const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

  it('says Accept-Ranges on whole answers and serves one range with 206 and Content-Range', async () => {
    const whole = await get(rawUrl);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    await whole.arrayBuffer();
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=1000-', 1000, bytes.length - 1],
      ['bytes=-10', bytes.length - 10, bytes.length - 1],
      ['bytes=299990-400000', 299_990, bytes.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await get(rawUrl, { Range: range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${bytes.length}`);
      expect(res.headers.get('content-length')).toBe(String(end - start + 1));
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('answers 416 with the size for a range past the end, and the whole file for what it does not serve', async () => {
    const past = await get(rawUrl, { Range: `bytes=${bytes.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(past.headers.get('x-cld-error')).toBe('Range Not Satisfiable');
    for (const range of ['bytes=0-1,5-6', 'items=0-5', 'bytes=9-3']) {
      const res = await get(rawUrl, { Range: range });
      expect(res.status, range).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(bytes.length);
    }
    const stale = await get(rawUrl, { Range: 'bytes=0-9', 'If-Range': '"not-the-etag"' });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
    const etag = (await get(rawUrl, { Range: 'bytes=0-0' })).headers.get('etag')!;
    const current = await get(rawUrl, { Range: 'bytes=0-9', 'If-Range': etag });
    expect(current.status).toBe(206);
    await current.arrayBuffer();
  });

  it('cuts ranges from edge-cache hits and from derived images alike', async () => {
    const id = uid('ranges_img');
    await cloudinary.uploader.upload(`data:image/jpeg;base64,${photo.toString('base64')}`, { public_id: id });
    const original = cloudinary.url(id, { ...LOCAL_URL, format: 'jpg' });
    // Until the edge cache holds the whole original: the next range comes from that copy.
    let hit = false;
    for (let i = 0; i < 10 && !hit; i++) {
      const res = await get(original);
      await res.arrayBuffer();
      hit = res.headers.get('x-cache') === 'HIT';
    }
    expect(hit).toBe(true);
    const fromCache = await get(original, { Range: 'bytes=100-199' });
    expect(fromCache.status).toBe(206);
    expect(fromCache.headers.get('x-cache')).toBe('HIT');
    expect(Buffer.from(await fromCache.arrayBuffer()).equals(photo.subarray(100, 200))).toBe(true);

    const derived = cloudinary.url(id, { ...LOCAL_URL, format: 'png', width: 50, crop: 'scale' });
    const whole = Buffer.from(await (await get(derived)).arrayBuffer());
    const part = await get(derived, { Range: 'bytes=-20' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes ${whole.length - 20}-${whole.length - 1}/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(whole.length - 20))).toBe(true);
  });
});
