import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BudgetRefusal, engineMemory, MemoryBudget, WorkMeter } from '../../src/engine/budget';
import { engineStats, transformImage } from '../../src/engine/engine';
import { parseTransformation } from '../../src/engine/parse';
import { sniffImage } from '../../src/engine/sniff';
import { av1CodedSize } from '../../src/engine/sniff-av1';
import { fixture, storeImage, uid } from './support/fixtures';
import { dims, makeRaster, meanDiff } from './support/images';
import { blurDirect, blurReduction, gaussianBlur } from '../../src/engine/pixels/filter';

const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const T = { timeout: 120_000 };
const MB = 1024 * 1024;

describe('the memory budget', () => {
  it('admits within its capacity, makes later requests wait their turn in order, and returns every byte', async () => {
    const pool = new MemoryBudget(100);
    const a = await pool.admit(60, 'a');
    const order: string[] = [];
    const b = pool.admit(50, 'b').then((l) => (order.push('b'), l));
    const c = pool.admit(10, 'c').then((l) => (order.push('c'), l));
    await Promise.resolve();
    // c would fit now, but b came first: nobody passes the head of the queue.
    expect(order).toEqual([]);
    expect(pool.stats.inUse).toBe(60);
    a.close();
    const [lb, lc] = await Promise.all([b, c]);
    expect(order).toEqual(['b', 'c']);
    expect(pool.stats.inUse).toBe(60);
    expect(pool.stats.waited).toBe(2);
    lb.close();
    lc.close();
    expect(pool.stats.inUse).toBe(0);
    expect(pool.stats.peak).toBeLessThanOrEqual(100);
  });

  it('refuses at once what could never fit, and a charge beyond what is free', async () => {
    const pool = new MemoryBudget(100);
    await expect(pool.admit(101, 'decoding x')).rejects.toThrow(/decoding x needs .*memory budget .*ENGINE_MEMORY_MB/);
    const a = await pool.admit(30, 'a');
    const b = await pool.admit(30, 'b');
    a.charge(30, 'within the lease');
    a.charge(40, 'grown from the free part');
    expect(a.reservedBytes).toBe(70);
    expect(() => a.charge(1, 'one byte too many')).toThrow(BudgetRefusal);
    expect(pool.stats.refused.memory).toBe(2);
    a.credit(40);
    expect(a.peak).toBe(70);
    a.close();
    b.close();
    expect(pool.stats.inUse).toBe(0);
  });

  it('refuses a waiter beyond the queue bound', async () => {
    const pool = new MemoryBudget(10, 1);
    const a = await pool.admit(10, 'a');
    const waiting = pool.admit(5, 'b');
    await expect(pool.admit(5, 'c')).rejects.toThrow(/Too many images in work/);
    a.close();
    (await waiting).close();
    expect(pool.stats.inUse).toBe(0);
  });

  it('counts standing charges (WASM memory kept between requests) against admission', async () => {
    const pool = new MemoryBudget(100);
    pool.setStanding('kept', 80);
    await expect(pool.admit(30, 'a')).rejects.toThrow(BudgetRefusal);
    pool.setStanding('kept', 0);
    (await pool.admit(30, 'a')).close();
  });

  it('lets kept memory go when a request needs the room', async () => {
    const pool = new MemoryBudget(100);
    pool.setStanding('kept', 80);
    pool.onPressure = () => pool.setStanding('kept', 0);
    const lease = await pool.admit(30, 'a');
    expect(pool.standingBytes()).toBe(0);
    expect(pool.stats.inUse).toBe(30);
    lease.close();
  });
});

describe('the work budget', () => {
  it('refuses the step that would pass the limit, before it runs', () => {
    const w = new WorkMeter(1000);
    w.spend(10, 50, 'first');
    expect(() => w.spend(10, 51, 'second')).toThrow(
      /second needs 510 pixel operations after 500, the work budget is 1000 .*ENGINE_WORK_PIXELS/,
    );
    expect(w.spent).toBe(500);
  });

  it('stops a transformation whose work passes the limit, from the engine itself', T, async () => {
    const input = fixture('photo-1mp.jpg');
    const limits = { maxDecodePixels: 7e6, maxJpegDecodePixels: 12e6, maxOutputPixels: 25e6 };
    const ok = await transformImage(input, parseTransformation('c_scale,w_400'), { limits, extension: 'jpg' });
    expect(ok.width).toBe(400);
    const spent = engineStats.lastWorkOps;
    expect(spent).toBeGreaterThan(0);
    await expect(
      transformImage(input, parseTransformation('c_scale,w_400'), { limits: { ...limits, engineWorkPixels: spent - 1 }, extension: 'jpg' }),
    ).rejects.toThrow(/work budget/);
    await transformImage(input, parseTransformation('c_scale,w_400'), { limits: { ...limits, engineWorkPixels: spent }, extension: 'jpg' });
  });
});

describe('wide blurs at reduced resolution', () => {
  it('look like the full-resolution blur', () => {
    const img = makeRaster(400, 300, (x, y) => [(x * 7) % 256, (y * 5) % 256, ((x >> 4) ^ (y >> 4)) & 1 ? 255 : 0]);
    const sigma = 40;
    expect(blurReduction(sigma)).toBe(10);
    const reduced = gaussianBlur(img, sigma);
    const direct = blurDirect(img, sigma);
    expect([reduced.width, reduced.height]).toEqual([400, 300]);
    expect(meanDiff(reduced, direct)).toBeLessThan(4);
  });
});

describe('real sizes from the coded data', () => {
  it('reads the AV1 sequence header of an AVIF (and trusts a true ispe)', () => {
    const lie = sniffImage(fixture('hostile/avif-ispe-lie.avif'));
    expect([lie?.width, lie?.height, lie?.extent]).toEqual([100, 100, { width: 8000, height: 8000 }]);
    expect(av1CodedSize(fixture('photo.avif'))).toEqual({ width: 1600, height: 1067 });
    expect(sniffImage(fixture('photo.avif'))?.extent).toBeUndefined();
  });

  it('walks GIF frames: a frame larger than its screen sets the extent; ordinary animations keep their screen', () => {
    const huge = sniffImage(fixture('hostile/gif-huge-frame.gif'));
    expect([huge?.width, huge?.height, huge?.pages, huge?.extent]).toEqual([1, 1, 2, { width: 65535, height: 65535 }]);
    const animated = sniffImage(fixture('animated.gif'));
    expect([animated?.width, animated?.height, animated?.pages, animated?.extent]).toEqual([400, 300, 8, undefined]);
  });
});

describe('hostile and heavy requests through the worker', () => {
  const hostile: [string, string, RegExp][] = [
    ['hostile/gif-huge-frame.gif', 'pg_2', /Image too large: decoding 4294836225 pixels/],
    ['hostile/gif-huge-frame.gif', 'w_10', /Image too large/],
    ['hostile/svg-filter-region.svg', 'w_100', /memory budget/],
    ['hostile/svg-use-bomb.svg', 'w_100', /too complex: the SVG draws \d+ nodes/],
    ['hostile/avif-ispe-lie.avif', 'w_100', /Image too large: decoding 64000000 pixels/],
  ];
  it.each(hostile)('%s with %s gets a 400 naming the limit, and the next request works', T, async (file, t, message) => {
    const id = uid('hostile');
    await storeImage(id, fixture(file));
    const res = await get(`${t}/${id}.png`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(message);
    const good = uid('after');
    await storeImage(good, fixture('photo-1mp.jpg'));
    const next = await get(`w_50/${good}.png`);
    expect(next.status).toBe(200);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('refuses w_4900,h_4900,f_avif by the memory budget before encoding, and serves the next request', T, async () => {
    const id = uid('heavy');
    await storeImage(id, fixture('photo-3mp-exif.jpg'));
    const res = await get(`w_4900,h_4900,c_scale,f_avif/${id}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/memory budget.*ENGINE_MEMORY_MB/);
    expect((await get(`w_100,f_avif/${id}`)).status).toBe(200);
  });

  it('blurs with e_blur:2000 at reduced resolution: little work for the whole image', T, async () => {
    const id = uid('blur');
    await storeImage(id, fixture('photo-3mp-exif.jpg'));
    const res = await get(`e_blur:2000/${id}.jpg`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(new Uint8Array(await res.arrayBuffer()))).toBe('2190x1369');
    const wide = engineStats.lastWorkOps;
    // e_blur:60 (sigma 3) runs at full resolution; e_blur:2000 (sigma 100) on a copy reduced 25 times each way.
    expect((await get(`e_blur:60/${id}.jpg`)).status).toBe(200);
    expect(wide).toBeLessThan(engineStats.lastWorkOps);
  });

  it('keeps a 400x300 thumbnail of a 24 MP photo within 48 MB by its own accounting', T, async () => {
    const id = uid('thumb24');
    await storeImage(id, fixture('photo-24mp.jpg'));
    const res = await get(`c_fill,w_400,h_300/${id}.jpg`);
    expect(res.status).toBe(200);
    expect(engineStats.lastPeakBytes).toBeGreaterThan(0);
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
  });
});

describe('WebP output with transparency', () => {
  it('charges libwebp lossless alpha coding once the encoder sees transparent pixels, and not for opaque ones', T, async () => {
    const opaque = uid('webp-opaque');
    await storeImage(opaque, fixture('photo-1mp.jpg'));
    // A JPEG made round (transparent corners) goes to libwebp's lossy encoder with an alpha plane.
    const transparent = await get(`c_fill,w_500,h_500,r_max/${opaque}.webp`);
    expect(transparent.status, transparent.headers.get('x-cld-error') ?? '').toBe(200);
    const size = sniffImage(new Uint8Array(await transparent.arrayBuffer()))!;
    expect(size.width).toBe(500);
    // The alpha coding (22 bytes per pixel and 12 MB, costs.ts) is in the request's high-water mark.
    expect(engineStats.lastPeakBytes).toBeGreaterThan(size.width * size.height * 22 + 12 * MB);
    const plain = await get(`w_500/${opaque}.webp`);
    expect(plain.status).toBe(200);
    expect(engineStats.lastPeakBytes).toBeLessThan(12 * MB);
    expect(engineMemory().stats.open).toBe(0);
  });
});
