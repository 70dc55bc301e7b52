import { describe, expect, it } from 'vitest';
import sharp, { type Metadata } from 'sharp';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';
import { fixtureBytes } from '../support/fixtures';

/** One frame of an APNG as a still PNG (its header and its IDAT or fdAT data), for sharp to read. */
function apngFrames(png: Buffer): { count: number; plays: number; delays: number[]; stills: Buffer[] } {
  const chunk = (tag: string, data: Buffer) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(tag, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  let ihdr: Buffer = Buffer.alloc(0);
  let count = 0;
  let plays = -1;
  const delays: number[] = [];
  const frames: Buffer[][] = [];
  for (let o = 8; o + 12 <= png.length;) {
    const len = png.readUInt32BE(o);
    const tag = png.toString('latin1', o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + len);
    if (tag === 'IHDR') ihdr = data;
    if (tag === 'acTL') [count, plays] = [data.readUInt32BE(0), data.readUInt32BE(4)];
    if (tag === 'fcTL') {
      delays.push(Math.round((data.readUInt16BE(20) * 1000) / (data.readUInt16BE(22) || 100)));
      frames.push([]);
    }
    if (tag === 'IDAT') frames[frames.length - 1].push(data);
    if (tag === 'fdAT') frames[frames.length - 1].push(data.subarray(4));
    o += 12 + len;
  }
  const signature = png.subarray(0, 8);
  const stills = frames.map((parts) =>
    Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', Buffer.concat(parts)), chunk('IEND', Buffer.alloc(0))]),
  );
  return { count, plays, delays, stills };
}

function crc(b: Buffer): number {
  let c = 0xffffffff;
  for (const byte of b) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Animated answers through SDK-built URLs, decoded with sharp: frame counts, delays, loops and sizes. */
describe('animated images through SDK-built URLs', async () => {
  const { cloudinary } = await loadSdk();
  const upload = async (file: string | Buffer) => {
    const publicId = `anim_${uid()}/img`;
    const bytes = typeof file === 'string' ? fixtureBytes(file) : file;
    const answer = await cloudinary.uploader.upload(`data:application/octet-stream;base64,${bytes.toString('base64')}`, {
      public_id: publicId,
    });
    return { publicId, answer };
  };
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers });
    expect(res.status, `${url}: ${res.headers.get('x-cld-error')}`).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    return { res, body, meta: await sharp(body, { animated: true }).metadata() };
  };
  const shape = (m: Metadata) => ({ format: m.format, width: m.width, height: m.pageHeight ?? m.height, pages: m.pages ?? 1 });

  it('keeps an animated GIF moving through a resize, as GIF and as WebP', async () => {
    const { publicId, answer } = await upload('animated.gif');
    // The upload counts every frame of the file (640 KB, longer than the sniffed head).
    expect(answer.pages).toBe(8);
    const gif = await get(cloudinary.url(publicId, { ...LOCAL_URL, width: 200, crop: 'scale', format: 'gif' }));
    expect(gif.res.headers.get('content-type')).toBe('image/gif');
    expect(shape(gif.meta)).toEqual({ format: 'gif', width: 200, height: 150, pages: 8 });
    expect(gif.meta.delay).toEqual(Array(8).fill(200));
    expect(gif.meta.loop).toBe(0);
    for (const format of ['webp', undefined] as const) {
      const options = format ? { format } : { format: 'webp', flags: 'awebp' };
      const webp = await get(cloudinary.url(publicId, { ...LOCAL_URL, width: 200, crop: 'scale', ...options }));
      expect(webp.res.headers.get('content-type')).toBe('image/webp');
      expect(shape(webp.meta)).toEqual({ format: 'webp', width: 200, height: 150, pages: 8 });
      expect(webp.meta.delay).toEqual(Array(8).fill(200));
      // Lossy frames of a photo: far smaller than the GIF.
      expect(webp.body.length).toBeLessThan(gif.body.length);
    }
    // Each frame is the source's frame, resized: frame 5 of the answer looks like frame 5 of the source.
    const frame = (b: Buffer, page: number) => sharp(b, { page }).flatten({ background: '#ffffff' }).resize(50, 38).raw().toBuffer();
    const ours = await frame(gif.body, 4);
    const theirs = await frame(fixtureBytes('animated.gif'), 4);
    const other = await frame(fixtureBytes('animated.gif'), 0);
    const diff = (a: Buffer, b: Buffer) => a.reduce((n, v, i) => n + Math.abs(v - b[i]), 0) / a.length;
    expect(diff(ours, theirs)).toBeLessThan(diff(ours, other));
    expect(diff(ours, theirs)).toBeLessThan(12);
  });

  it('chooses the animated format for f_auto from Accept, and f_auto:animated as next-cloudinary writes it', async () => {
    const { publicId } = await upload('animated.gif');
    const url = cloudinary.url(publicId, { ...LOCAL_URL, width: 120, crop: 'scale', fetch_format: 'auto' });
    const webp = await get(url, { Accept: 'image/avif,image/webp,*/*' });
    expect(shape(webp.meta)).toEqual({ format: 'webp', width: 120, height: 90, pages: 8 });
    expect(webp.res.headers.get('vary')).toContain('Accept');
    const gif = await get(url, { Accept: '*/*' });
    expect(shape(gif.meta)).toEqual({ format: 'gif', width: 120, height: 90, pages: 8 });
    const animated = cloudinary.url(publicId, { ...LOCAL_URL, width: 120, crop: 'scale', fetch_format: 'auto:animated' });
    expect(animated).toContain('f_auto:animated');
    expect(shape((await get(animated, { Accept: 'image/webp' })).meta)).toEqual({ format: 'webp', width: 120, height: 90, pages: 8 });
    // A still format gives the first frame.
    const jpg = await get(cloudinary.url(publicId, { ...LOCAL_URL, width: 120, crop: 'scale', format: 'jpg' }));
    expect(shape(jpg.meta)).toEqual({ format: 'jpeg', width: 120, height: 90, pages: 1 });
  });

  it('selects frames with pg_ ranges and lists, sets delays with dl_, loops with e_loop, plays back with e_boomerang', async () => {
    const { publicId } = await upload('animated.gif');
    const base = { ...LOCAL_URL, format: 'gif' };
    const some = await get(cloudinary.url(publicId, { ...base, transformation: [{ width: 100, crop: 'scale', page: '2-4;6' }] }));
    expect(some.res.url).toContain('pg_2-4;6');
    expect(shape(some.meta)).toEqual({ format: 'gif', width: 100, height: 75, pages: 4 });
    const open = await get(cloudinary.url(publicId, { ...base, transformation: [{ width: 100, crop: 'scale', page: '6-' }] }));
    expect(open.meta.pages).toBe(3);
    const one = await get(cloudinary.url(publicId, { ...base, transformation: [{ width: 100, crop: 'scale', page: 3 }] }));
    expect(one.meta.pages ?? 1).toBe(1);
    const timed = await get(
      cloudinary.url(publicId, {
        ...base,
        transformation: [{ width: 100, crop: 'scale', delay: 50 }, { effect: 'loop:3' }, { effect: 'boomerang' }],
      }),
    );
    expect(timed.res.url).toContain('dl_50');
    // 8 frames forward, then 6 back (neither end repeated).
    expect(timed.meta.pages).toBe(14);
    expect(timed.meta.delay).toEqual(Array(14).fill(50));
    // e_loop:3 is three more plays after the first: four in all (sharp counts plays).
    expect(timed.meta.loop).toBe(4);
    const backwards = await sharp(timed.body, { page: 9 }).resize(20, 15).raw().toBuffer();
    const forwards = await sharp(timed.body, { page: 5 }).resize(20, 15).raw().toBuffer();
    expect(backwards.equals(forwards)).toBe(true);
  });

  it('runs effects and overlays on every frame', async () => {
    const { publicId } = await upload('animated.gif');
    const red = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const { publicId: logo } = await upload(red);
    const url = cloudinary.url(publicId, {
      ...LOCAL_URL,
      format: 'gif',
      transformation: [
        { width: 200, crop: 'scale', effect: 'grayscale' },
        { overlay: logo.replace(/\//g, ':'), width: 20, gravity: 'north_west' },
      ],
    });
    const { body, meta } = await get(url);
    expect(shape(meta)).toEqual({ format: 'gif', width: 200, height: 150, pages: 8 });
    for (let page = 0; page < 8; page++) {
      const { data, info } = await sharp(body, { page }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
      const [r, g, b] = px(10, 10);
      expect(r - g, `frame ${page} overlay`).toBeGreaterThan(150);
      expect(b).toBeLessThan(80);
      const [gr, gg, gb] = px(150, 100);
      expect(Math.max(Math.abs(gr - gg), Math.abs(gg - gb)), `frame ${page} grey`).toBeLessThan(12);
    }
  });

  it('writes an animated PNG with fl_apng', async () => {
    const { publicId } = await upload('animated.gif');
    const res = await fetch(cloudinary.url(publicId, { ...LOCAL_URL, width: 100, crop: 'scale', format: 'png', flags: 'apng' }));
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const apng = apngFrames(Buffer.from(await res.arrayBuffer()));
    expect([apng.count, apng.plays, apng.stills.length]).toEqual([8, 0, 8]);
    expect(apng.delays).toEqual(Array(8).fill(200));
    for (const still of apng.stills) {
      const m = await sharp(still).metadata();
      expect([m.format, m.width, m.height]).toEqual(['png', 100, 75]);
    }
    // Without fl_apng, PNG is a still.
    const still = await get(cloudinary.url(publicId, { ...LOCAL_URL, width: 100, crop: 'scale', format: 'png' }));
    expect(still.meta.pages ?? 1).toBe(1);
  });

  it('reads animated WebP sources, with their alpha, delays and loop', async () => {
    const { publicId, answer } = await upload('animated-alpha.webp');
    expect(answer.pages).toBe(6);
    const delays = [60, 80, 100, 120, 140, 160];
    for (const format of ['webp', 'gif']) {
      const { meta } = await get(cloudinary.url(publicId, { ...LOCAL_URL, width: 150, crop: 'scale', format }));
      expect(shape(meta)).toEqual({ format, width: 150, height: 150, pages: 6 });
      expect(meta.delay).toEqual(delays);
      expect(meta.hasAlpha).toBe(true);
    }
    // pg_<n> of an animated WebP is that frame, not the first one.
    const frames = await Promise.all(
      [1, 4].map(async (page) => (await get(cloudinary.url(publicId, { ...LOCAL_URL, page, format: 'png' }))).body),
    );
    const source = await Promise.all([0, 3].map((page) => sharp(fixtureBytes('animated-alpha.webp'), { page }).raw().toBuffer()));
    const ours = await Promise.all(frames.map((b) => sharp(b).ensureAlpha().raw().toBuffer()));
    expect(ours[1].equals(ours[0])).toBe(false);
    const diff = (a: Buffer, b: Buffer) => a.reduce((n, v, i) => n + Math.abs(v - b[i]), 0) / a.length;
    expect(diff(ours[1], source[1])).toBeLessThan(2);
  });

  it("animates a still with e_zoompan as next-cloudinary's zoompan prop asks", async () => {
    const { publicId } = await upload('photo-1mp.jpg');
    const url = cloudinary.url(publicId, {
      ...LOCAL_URL,
      transformation: [
        { width: 320, crop: 'limit' },
        { effect: 'zoompan:mode_ztr;maxzoom_2;du_2;fps_10' },
        { effect: 'loop' },
        { fetch_format: 'auto:animated' },
      ],
    });
    const webp = await get(url, { Accept: 'image/webp,*/*' });
    expect(shape(webp.meta)).toEqual({ format: 'webp', width: 320, height: 240, pages: 20 });
    expect(webp.meta.delay).toEqual(Array(20).fill(100));
    expect(webp.meta.loop).toBe(0);
    // The first frame is the whole photo, the last one its right half zoomed in twice: they differ.
    const first = await sharp(webp.body, { page: 0 }).resize(32, 24).raw().toBuffer();
    const last = await sharp(webp.body, { page: 19 }).resize(32, 24).raw().toBuffer();
    const whole = await sharp(fixtureBytes('photo-1mp.jpg')).resize(32, 24, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    const diff = (a: Buffer, b: Buffer) => a.reduce((n, v, i) => n + Math.abs(v - b[i]), 0) / a.length;
    expect(diff(first.subarray(0, whole.length), whole)).toBeLessThan(diff(last.subarray(0, whole.length), whole));
    const gif = await get(url, { Accept: '*/*' });
    expect(shape(gif.meta)).toEqual({ format: 'gif', width: 320, height: 240, pages: 20 });
    // A still format cannot hold it.
    const jpg = await fetch(cloudinary.url(publicId, { ...LOCAL_URL, effect: 'zoompan', format: 'jpg' }));
    expect(jpg.status).toBe(400);
    expect(jpg.headers.get('x-cld-error')).toMatch(/cannot be delivered as JPG/);
  });

  it('refuses an animation whose frames times pixels pass the work budget with a 400, and serves the next request', async () => {
    const { publicId } = await upload('photo-1mp.jpg');
    const res = await fetch(cloudinary.url(publicId, { ...LOCAL_URL, effect: 'zoompan:du_60;fps_60', format: 'gif' }));
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/Animation too large: 3600 frames of 1152x864 .*ENGINE_WORK_PIXELS/);
    const { publicId: gif } = await upload('animated.gif');
    const next = await get(cloudinary.url(gif, { ...LOCAL_URL, width: 50, crop: 'scale', format: 'gif' }));
    expect(next.meta.pages).toBe(8);
  });
});
