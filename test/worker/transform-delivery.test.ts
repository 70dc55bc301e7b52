import { env, SELF } from 'cloudflare:test';
import { signParams } from '../../src/auth/api-signature';
import { beforeAll, describe, expect, it } from 'vitest';
import { engineStats } from '../../src/engine/engine';
import { engineMemory } from '../../src/engine/budget';
import { variantOf } from '../../src/services/derived/derive';
import { generateEager, parseEager } from '../../src/services/upload/eager';
import { derivedObjectKey, variantHash } from '../../src/services/derived/store';
import { resolveOutput } from '../../src/engine/negotiate';
import { parseTransformation } from '../../src/engine/parse';
import { tryLease } from '../../src/services/derived/single-flight';
import { photonStats } from '../../src/engine/codecs/photon';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, dims, encodePng, gifFrames, MAGIC, makeRaster, meanDiff, meanLuma, pixel } from './support/images';

const get = (path: string, headers: Record<string, string> = {}) => SELF.fetch(`http://w/demo/image/upload/${path}`, { headers });
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 120_000 };
const BASE = { url: 'http://w', secureUrl: 'http://w' };

describe('derived images through delivery URLs', () => {
  const photo = uid('photo');
  beforeAll(async () => {
    await storeImage(photo, fixture('photo-1mp.jpg'));
  });

  it.each([
    ['c_fill,w_400,h_300', '400x300'],
    ['c_scale,w_200', '200x150'],
    ['c_fit,w_300,h_300', '300x225'],
    ['c_limit,w_5000,h_5000', '1152x864'],
    ['c_pad,w_300,h_300,b_black', '300x300'],
    ['c_crop,w_100,h_50,g_south_east', '100x50'],
    ['c_thumb,w_64,h_64,g_auto', '64x64'],
    ['c_lfill,w_2000,h_1000', '1152x576'],
    ['w_0.25', '288x216'],
    ['c_scale,w_100/a_90', '75x100'],
  ])('%s gives %s', T, async (t, expected) => {
    const res = await get(`${t}/${photo}.png`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe(expected);
  });

  it.each(['jpg', 'png', 'webp', 'avif', 'gif'])('writes %s (by extension and by f_)', T, async (f) => {
    for (const path of [`c_scale,w_120/${photo}.${f}`, `c_scale,w_121,f_${f}/${photo}`]) {
      const res = await get(path);
      expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
      const b = await bytesOf(res);
      expect(MAGIC[f](b)).toBe(true);
      expect(res.headers.get('content-type')).toBe(f === 'jpg' ? 'image/jpeg' : `image/${f}`);
      if (f !== 'avif') expect(dims(b)).toMatch(/^12[01]x9[01]$/);
    }
  });

  it.each(['jpg', 'webp', 'avif'])('grows %s bytes with quality', T, async (f) => {
    const sizes: number[] = [];
    for (const q of [10, 50, 90]) sizes.push((await bytesOf(await get(`c_scale,w_300,q_${q}/${photo}.${f}`))).length);
    expect(sizes[0]).toBeLessThan(sizes[1]);
    expect(sizes[1]).toBeLessThan(sizes[2]);
  });

  it('chooses the format from Accept for f_auto and says Vary: Accept', T, async () => {
    const cases: [string, string][] = [
      ['image/avif,image/webp,*/*', 'image/avif'],
      ['image/webp,*/*', 'image/webp'],
      ['text/html,*/*', 'image/jpeg'],
      ['', 'image/jpeg'],
    ];
    for (const [accept, type] of cases) {
      const res = await get(`c_scale,w_150,f_auto/${photo}.jpg`, accept ? { Accept: accept } : {});
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('vary')).toContain('Accept');
      const b = await bytesOf(res);
      expect(MAGIC[type === 'image/jpeg' ? 'jpg' : type.slice(6)](b)).toBe(true);
    }
    const png = uid('alpha');
    await storeImage(png, fixture('alpha.png'));
    const res = await get(`c_scale,w_100,f_auto/${png}`, { Accept: 'text/html' });
    expect(res.headers.get('content-type')).toBe('image/png');
  });

  it('uses the DPR client hint for dpr_auto', T, async () => {
    const res = await get(`c_scale,dpr_auto,w_100/${photo}.png`, { 'Sec-CH-DPR': '2' });
    expect(dims(await bytesOf(res))).toBe('200x150');
    expect(res.headers.get('vary')).toContain('DPR');
    const plain = await get(`c_scale,dpr_auto,w_100/${photo}.png`);
    expect(dims(await bytesOf(plain))).toBe('100x75');
  });

  it('answers fl_attachment with Content-Disposition', T, async () => {
    const res = await get(`c_scale,w_50,fl_attachment/${photo}.jpg`);
    expect(res.headers.get('content-disposition')).toContain(`attachment; filename="${photo}.jpg"`);
    const named = await get(`c_scale,w_50,fl_attachment:holiday/${photo}.png`);
    expect(named.headers.get('content-disposition')).toContain('filename="holiday.png"');
  });

  it('stores the derived image in R2 and D1 and serves it again without decoding', T, async () => {
    const id = uid('stored');
    const r = await storeImage(id, fixture('photo-1mp.jpg'));
    const first = await get(`c_fill,w_90,h_90/${id}.jpg`);
    expect(first.status).toBe(200);
    const firstBytes = await bytesOf(first);
    const row = await env.DB.prepare('SELECT * FROM derived WHERE resource_id = ?').bind(r.id).first<Record<string, unknown>>();
    expect(row).toMatchObject({ eager: 0, format: 'jpg', width: 90, height: 90, bytes: firstBytes.length });
    expect(await env.BUCKET.head(row!.r2_key as string)).not.toBeNull();
    const before = engineStats.decodes;
    const again = await get(`h_90,w_90,c_fill/${id}.jpg`);
    expect(await bytesOf(again)).toEqual(firstBytes);
    expect(engineStats.decodes).toBe(before);
    const etag = again.headers.get('etag')!;
    expect((await get(`c_fill,w_90,h_90/${id}.jpg`, { 'If-None-Match': etag })).status).toBe(304);
  });

  it('waits for another isolate that holds the lease and serves its result to every waiting request', T, async () => {
    const id = uid('waiter');
    const r = await storeImage(id, fixture('photo-1mp.jpg'));
    const plan = parseTransformation('c_fill,w_33,h_33');
    const key = derivedObjectKey(r, await variantHash(variantOf(plan, resolveOutput(plan, { format: 'jpg' }, { extension: 'jpg' }))));
    const lease = await tryLease(env.DB, key);
    expect(lease).toBeDefined();
    const before = engineStats.decodes;
    const pending = Promise.all(Array.from({ length: 5 }, () => get(`c_fill,w_33,h_33/${id}.jpg`)));
    await new Promise((done) => setTimeout(done, 300));
    const made = new TextEncoder().encode('bytes made by the other isolate');
    await env.BUCKET.put(key, made, { httpMetadata: { contentType: 'image/jpeg' } });
    await lease!.release();
    const all = await pending;
    for (const res of all) {
      expect(res.status).toBe(200);
      expect(await bytesOf(res)).toEqual(made);
    }
    expect(engineStats.decodes).toBe(before);
  });

  it('keeps the images in work at once within the isolate memory budget, however many are asked for', T, async () => {
    const id = uid('many');
    await storeImage(id, fixture('photo-1mp.jpg'));
    const pool = engineMemory();
    const admittedBefore = pool.stats.admitted;
    const all = await Promise.all([40, 41, 42, 43, 44].map((w) => get(`c_scale,w_${w}/${id}.png`)));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(pool.stats.admitted - admittedBefore).toBe(5);
    expect(pool.stats.peak).toBeLessThanOrEqual(pool.capacity);
    expect(pool.stats.open).toBe(0);
    // Nothing stays charged but the WASM memories kept for reuse.
    expect(pool.stats.inUse).toBe(pool.standingBytes());
  });

  it('makes eager derived images that delivery URLs of the same variant find', T, async () => {
    const id = uid('eager');
    const r = await storeImage(id, fixture('photo-1mp.jpg'));
    const [made] = await generateEager(env, BASE, r, parseEager(['w_60,h_40,c_fill/webp']));
    expect(made).toMatchObject({ transformation: 'w_60,h_40,c_fill', format: 'webp', width: 60, height: 40 });
    const row = await env.DB.prepare('SELECT eager, format FROM derived WHERE resource_id = ?').bind(r.id).first();
    expect(row).toEqual({ eager: 1, format: 'webp' });
    const before = engineStats.decodes;
    const res = await get(`c_fill,h_40,w_60/${id}.webp`);
    expect(res.status).toBe(200);
    expect(dims(await bytesOf(res))).toBe('60x40');
    expect(engineStats.decodes).toBe(before);
  });

  it('decodes once for 50 simultaneous requests of a new derived image', T, async () => {
    const id = uid('flight');
    await storeImage(id, fixture('photo-1mp.jpg'));
    const before = engineStats.decodes;
    const all = await Promise.all(Array.from({ length: 50 }, () => get(`c_fill,w_123,h_77/${id}.webp`)));
    expect(all.every((r) => r.status === 200)).toBe(true);
    const bodies = await Promise.all(all.map(bytesOf));
    expect(new Set(bodies.map((b) => b.length)).size).toBe(1);
    expect(engineStats.decodes - before).toBe(1);
  });

  it.each([
    ['the eager generation first', true],
    ['the delivery first', false],
  ])('decodes once for an eager generation and a concurrent delivery of the same variant (%s)', T, async (_, eagerFirst) => {
    const id = uid('eager-flight');
    const r = await storeImage(id, fixture('photo-1mp.jpg'));
    const before = engineStats.decodes;
    const eager = () => generateEager(env, BASE, r, parseEager(['c_fill,w_71,h_53/webp']));
    const delivery = () => get(`c_fill,h_53,w_71/${id}.webp`);
    const [made, res] = eagerFirst
      ? await Promise.all([eager(), delivery()])
      : await Promise.all([delivery(), eager()]).then(([d, e]) => [e, d] as const);
    expect(res.status).toBe(200);
    expect(dims(await bytesOf(res))).toBe('71x53');
    expect(made[0]).toMatchObject({ width: 71, height: 53, format: 'webp' });
    expect(engineStats.decodes - before).toBe(1);
    // Whoever made it, the row says eager: strict transformations serve it unsigned.
    const rows = await env.DB.prepare('SELECT eager FROM derived WHERE resource_id = ?').bind(r.id).all();
    expect(rows.results).toEqual([{ eager: 1 }]);
  });

  it('decodes once for an eager upload through the Upload API and deliveries of its variant made meanwhile', T, async () => {
    const id = uid('eager-upload');
    const fields: Record<string, string> = {
      public_id: id,
      eager: 'c_fill,w_67,h_49/webp',
      timestamp: String(Math.floor(Date.now() / 1000)),
    };
    const body = new FormData();
    for (const [k, v] of Object.entries({ ...fields, signature: await signParams(fields, 'local-dev-secret'), api_key: '123456789012345' }))
      body.set(k, v);
    body.set('file', new File([fixture('photo-1mp.jpg')], 'photo.jpg'));
    const before = engineStats.decodes;
    const uploading = SELF.fetch('http://w/v1_1/demo/image/upload', { method: 'POST', body });
    // Deliveries start as soon as the asset exists, while its eager variant is being made.
    let delivered = await get(`c_fill,h_49,w_67/${id}.webp`);
    while (delivered.status === 404) {
      await delivered.arrayBuffer();
      delivered = await get(`c_fill,h_49,w_67/${id}.webp`);
    }
    const uploaded = await uploading;
    expect(uploaded.status).toBe(200);
    expect(((await uploaded.json()) as { eager: unknown[] }).eager[0]).toMatchObject({ width: 67, height: 49, format: 'webp' });
    expect(delivered.status).toBe(200);
    expect(dims(await bytesOf(delivered))).toBe('67x49');
    expect(engineStats.decodes - before).toBe(1);
  });

  it('marks a variant delivered earlier as eager without making it again', T, async () => {
    const id = uid('eager-later');
    const r = await storeImage(id, fixture('photo-1mp.jpg'));
    expect((await get(`c_scale,w_64/${id}.png`)).status).toBe(200);
    const before = engineStats.decodes;
    const [made] = await generateEager(env, BASE, r, parseEager(['c_scale,w_64/png']));
    expect(made).toMatchObject({ width: 64, height: 48, format: 'png' });
    expect(engineStats.decodes).toBe(before);
    expect(await env.DB.prepare('SELECT eager FROM derived WHERE resource_id = ?').bind(r.id).first()).toEqual({ eager: 1 });
  });
});

describe('pixels', () => {
  it('places crops by gravity on a gradient (dark west, bright east)', T, async () => {
    const id = uid('gradient');
    await storeImage(id, encodePng(makeRaster(200, 100, (x) => [x, x, x])));
    const west = decode(await bytesOf(await get(`c_crop,g_west,w_20,h_20/${id}.png`)));
    const east = decode(await bytesOf(await get(`c_crop,g_east,w_20,h_20/${id}.png`)));
    expect(meanLuma(west)).toBeCloseTo(9.5, 0);
    expect(meanLuma(east)).toBeCloseTo(189.5, 0);
    const fillEast = decode(await bytesOf(await get(`c_fill,g_east,w_50,h_50/${id}.png`)));
    expect(meanLuma(fillEast)).toBeGreaterThan(140);
  });

  it('finds the detailed region with g_auto', T, async () => {
    const id = uid('detail');
    // Flat grey except a checkerboard in the south-east corner.
    await storeImage(
      id,
      encodePng(
        makeRaster(300, 200, (x, y) => (x > 200 && y > 120 ? (((x >> 3) + (y >> 3)) % 2 ? [255, 255, 255] : [0, 0, 0]) : [128, 128, 128])),
      ),
    );
    const res = await get(`c_crop,g_auto,w_60,h_60/${id}.png`);
    const crop = decode(await bytesOf(res));
    let extremes = 0;
    for (let i = 0; i < crop.width * crop.height; i++) if (Math.abs(crop.data[i * 4] - 128) > 60) extremes++;
    expect(extremes / (crop.width * crop.height)).toBeGreaterThan(0.5);
    const centre = decode(await bytesOf(await get(`c_crop,w_60,h_60/${id}.png`)));
    expect(pixel(centre, 30, 30).slice(0, 3)).toEqual([128, 128, 128]);
  });

  it('pads with c_fill_pad when a fill would cut off detail, and fills when it would not', T, async () => {
    const checker = (x: number, y: number): [number, number, number] => (((x >> 3) + (y >> 3)) % 2 ? [255, 255, 255] : [0, 0, 0]);
    const edges = uid('edges');
    await storeImage(edges, encodePng(makeRaster(400, 200, (x, y) => (x < 60 || x >= 340 ? checker(x, y) : [90, 90, 90]))));
    const padded = decode(await bytesOf(await get(`c_fill_pad,g_auto,w_100,h_200,b_rgb:ff0000/${edges}.png`)));
    expect([padded.width, padded.height]).toEqual([100, 200]);
    expect(pixel(padded, 50, 1)).toEqual([255, 0, 0, 255]);
    const centre = uid('centre');
    await storeImage(centre, encodePng(makeRaster(400, 200, (x, y) => (x >= 170 && x < 230 ? checker(x, y) : [90, 90, 90]))));
    const filled = decode(await bytesOf(await get(`c_fill_pad,g_auto,w_100,h_200,b_rgb:ff0000/${centre}.png`)));
    expect([filled.width, filled.height]).toEqual([100, 200]);
    expect(pixel(filled, 50, 1)).not.toEqual([255, 0, 0, 255]);
  });

  it('rotates exactly by quarter turns, flips, and fills odd angles with the background', T, async () => {
    const id = uid('rot');
    // Red top-left quadrant on blue.
    await storeImage(id, encodePng(makeRaster(40, 20, (x, y) => (x < 20 && y < 10 ? [255, 0, 0] : [0, 0, 255]))));
    const r90 = decode(await bytesOf(await get(`a_90/${id}.png`)));
    expect([r90.width, r90.height]).toEqual([20, 40]);
    expect(pixel(r90, 19, 0)).toEqual([255, 0, 0, 255]);
    expect(pixel(r90, 0, 0)).toEqual([0, 0, 255, 255]);
    const r180 = decode(await bytesOf(await get(`a_180/${id}.png`)));
    expect(pixel(r180, 39, 19)).toEqual([255, 0, 0, 255]);
    const h = decode(await bytesOf(await get(`a_hflip/${id}.png`)));
    expect(pixel(h, 39, 0)).toEqual([255, 0, 0, 255]);
    const v = decode(await bytesOf(await get(`a_vflip/${id}.png`)));
    expect(pixel(v, 0, 19)).toEqual([255, 0, 0, 255]);
    const r45 = decode(await bytesOf(await get(`a_45,b_rgb:00ff00/${id}.png`)));
    expect(r45.width).toBe(42);
    expect(pixel(r45, 0, 0)).toEqual([0, 255, 0, 255]);
  });

  it('pads with the background colour, named, hex and with alpha', T, async () => {
    const id = uid('pad');
    await storeImage(id, encodePng(makeRaster(100, 50, () => [0, 0, 0])));
    const red = decode(await bytesOf(await get(`c_pad,w_100,h_100,b_red/${id}.png`)));
    expect(pixel(red, 50, 5)).toEqual([255, 0, 0, 255]);
    expect(pixel(red, 50, 50)).toEqual([0, 0, 0, 255]);
    const hex = decode(await bytesOf(await get(`c_pad,w_100,h_100,b_rgb:3366cc/${id}.png`)));
    expect(pixel(hex, 50, 95)).toEqual([0x33, 0x66, 0xcc, 255]);
    const translucent = decode(await bytesOf(await get(`c_pad,w_100,h_100,b_rgb:ff000080/${id}.png`)));
    expect(pixel(translucent, 50, 5)).toEqual([255, 0, 0, 128]);
    const white = decode(await bytesOf(await get(`c_pad,w_100,h_100/${id}.png`)));
    expect(pixel(white, 50, 5)).toEqual([255, 255, 255, 255]);
  });

  it.each([
    ['orientation-6.jpg', 90],
    ['orientation-8.jpg', 270],
  ])('applies the EXIF orientation of %s, unless a_ignore', T, async (file, turn) => {
    const id = uid('orient');
    await storeImage(id, fixture(file));
    const upright = await bytesOf(await get(`c_scale,w_100/${id}.png`));
    expect(dims(upright)).toMatch(/^100x(160|178)$/);
    const ignored = await bytesOf(await get(`a_ignore,c_scale,h_100/${id}.png`));
    expect(dims(ignored)).toMatch(/^(160|178)x100$/);
    // Turning the stored pixels by hand gives the same picture as the automatic orientation.
    const byHand = decode(await bytesOf(await get(`a_ignore,c_scale,h_100/a_${turn}/${id}.png`)));
    expect(meanDiff(decode(upright), byHand)).toBeLessThan(3);
  });
});

describe('inputs', () => {
  it.each([
    ['progressive.jpg', '100x75'],
    ['cmyk.jpg', '100x67'],
    ['grayscale.jpg', '100x63'],
    ['palette.png', '100x75'],
    ['palette-trns.png', '100x88'],
    ['rgb16.png', '100x56'],
    ['alpha.png', '100x88'],
    ['static.gif', '100x67'],
    ['animated.gif', '100x75'],
    ['lossy.webp', '100x67'],
    ['lossless-alpha.webp', '100x88'],
    ['photo.avif', '100x67'],
    ['vector.svg', '100x88'],
  ])('decodes %s', T, async (file, expected) => {
    const id = uid('in');
    await storeImage(id, fixture(file));
    const res = await get(`c_scale,w_100/${id}.png`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    const out = await bytesOf(res);
    expect(dims(out)).toBe(expected);
    expect(meanLuma(decode(out))).toBeGreaterThan(5);
  });

  it('keeps an animated GIF animated as GIF, gives its first frame as JPEG, and refuses fl_animated with a still format', T, async () => {
    const id = uid('anim');
    await storeImage(id, fixture('animated.gif'));
    const moving = await get(`c_scale,w_80/${id}.gif`);
    expect(moving.status).toBe(200);
    const b = await bytesOf(moving);
    expect(MAGIC.gif(b)).toBe(true);
    expect(gifFrames(b)).toBe(8);
    expect(gifFrames(fixture('animated.gif'))).toBe(8);
    const still = await get(`c_scale,w_80,pg_1/${id}.gif`);
    expect(gifFrames(await bytesOf(still))).toBe(1);
    expect((await get(`c_scale,w_80/${id}.jpg`)).status).toBe(200);
    const refused = await get(`c_scale,w_80,fl_animated/${id}.jpg`);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-cld-error')).toMatch(/animation cannot be delivered as JPG/);
  });

  it('transforms HEIC, and still delivers the original', T, async () => {
    const id = uid('heic');
    await storeImage(id, fixture('photo.heic'));
    const res = await get(`c_scale,w_100/${id}.jpg`);
    expect(res.status).toBe(200);
    expect(dims(await bytesOf(res))).toBe('100x67');
    const original = await get(`${id}.heic`);
    expect(original.status).toBe(200);
    expect(new Uint8Array(await original.arrayBuffer())).toEqual(fixture('photo.heic'));
  });

  it('rasterises SVG at the requested size', T, async () => {
    const id = uid('svg');
    await storeImage(id, fixture('vector.svg'));
    const big = await bytesOf(await get(`c_scale,w_1500/${id}.png`));
    expect(dims(big)).toBe('1500x1318');
    const same = await get(`${id}.svg`);
    expect(same.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('metadata', () => {
  const text = (b: Uint8Array) => new TextDecoder('latin1').decode(b);
  it('strips EXIF, GPS and XMP by default, keeps the ICC profile unless fl_strip_profile, keeps IPTC on request', T, async () => {
    const id = uid('meta');
    await storeImage(id, fixture('photo-3mp-exif.jpg'));
    const plain = text(await bytesOf(await get(`c_scale,w_200/${id}.jpg`)));
    expect(plain).not.toContain('Exif');
    expect(plain).not.toContain('http://ns.adobe.com/xap');
    expect(plain).not.toContain('Photoshop 3.0');
    expect(plain).toContain('ICC_PROFILE');
    const stripped = text(await bytesOf(await get(`c_scale,w_200,fl_strip_profile/${id}.jpg`)));
    expect(stripped).not.toContain('ICC_PROFILE');
    const iptc = text(await bytesOf(await get(`c_scale,w_200,fl_keep_iptc/${id}.jpg`)));
    expect(iptc).toContain('Photoshop 3.0');
    expect(iptc).not.toContain('Exif');
  });

  it('writes progressive JPEG with fl_progressive and palette PNG with fl_png8', T, async () => {
    const id = uid('flags');
    await storeImage(id, fixture('photo-1mp.jpg'));
    const prog = await bytesOf(await get(`c_scale,w_200,fl_progressive/${id}.jpg`));
    const hasSof2 = prog.some((b, i) => b === 0xff && prog[i + 1] === 0xc2);
    expect(hasSof2).toBe(true);
    const base = await bytesOf(await get(`c_scale,w_200/${id}.jpg`));
    expect(base.some((b, i) => b === 0xff && base[i + 1] === 0xc0)).toBe(true);
    const png8 = await bytesOf(await get(`c_scale,w_200,fl_png8/${id}.png`));
    expect(png8[25]).toBe(3);
    expect(dims(png8)).toBe('200x150');
    expect(meanDiff(decode(png8), decode(await bytesOf(await get(`c_scale,w_200/${id}.png`))))).toBeLessThan(8);
  });
});

describe('hostile and oversized inputs give 400, never 500', () => {
  it.each([
    'truncated.jpg',
    'empty.jpg',
    'random-bytes.jpg',
    'not-an-image.png',
    'bomb-50000x50000.png',
    'bomb-50000x50000-rgba-partial.png',
    'bomb-65500x65500.jpg',
  ])('%s', T, async (file) => {
    const id = uid('hostile');
    await storeImage(id, fixture(file));
    const res = await get(`c_scale,w_100/${id}.jpg`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/Invalid image file|Image too large/);
  });

  it('replaces photon after a trap, and later requests still work', T, async () => {
    // A PNG whose chunks are intact but whose compressed pixels are garbage: it passes the checks and traps photon.
    const good = encodePng(makeRaster(64, 64, (x, y) => [x * 4, y * 4, 0]));
    const bad = good.slice();
    const idat = new TextDecoder('latin1').decode(bad).indexOf('IDAT');
    for (let i = idat + 6; i < idat + 40; i++) bad[i] = (i * 97) & 0xff;
    const id = uid('trap');
    await storeImage(id, bad);
    const instances = photonStats.instances;
    const res = await get(`c_scale,w_10/${id}.png`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toContain('could not be decoded');
    const ok = uid('aftertrap');
    await storeImage(ok, good);
    const after = await get(`c_scale,w_10/${ok}.png`);
    expect(after.status).toBe(200);
    expect(photonStats.instances).toBe(instances + 1);
  });

  it('answers a truncated AVIF with 400 and still decodes the next AVIF', T, async () => {
    const avif = fixture('photo.avif');
    const id = uid('badavif');
    await storeImage(id, avif.slice(0, avif.length >> 1));
    const bad = await get(`c_scale,w_50/${id}.png`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-cld-error')).toMatch(/Invalid image file/);
    const good = uid('goodavif');
    await storeImage(good, avif);
    const res = await get(`c_scale,w_50/${good}.png`);
    expect(res.status).toBe(200);
    expect(dims(await bytesOf(res))).toBe('50x33');
  });

  it('refuses an output beyond the maximum', T, async () => {
    const id = uid('big');
    await storeImage(id, encodePng(makeRaster(10, 10, () => [1, 2, 3])));
    const before = engineStats.decodes;
    const res = await get(`c_scale,w_6000,h_6000/${id}.png`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/^Image too large/);
    expect(engineStats.decodes).toBe(before);
    const later = await get(`c_scale,w_100/c_scale,w_6000,h_6000/${id}.png`);
    expect(later.status).toBe(400);
    expect(later.headers.get('x-cld-error')).toMatch(/^Image too large/);
  });

  it('answers bad parameters with Cloudinary wording', T, async () => {
    const id = uid('params');
    await storeImage(id, encodePng(makeRaster(10, 10, () => [1, 2, 3])));
    const res = await get(`w_abc/${id}.png`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toBe('Invalid width in transformation: abc');
    const unsupported = await get(`e_background_removal/${id}.png`);
    expect(unsupported.status).toBe(400);
    expect(unsupported.headers.get('x-cld-error')).toMatch(/not supported/);
  });
});
