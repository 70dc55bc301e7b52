import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** The engine's budgets as SDK users meet them: large real images work, hostile ones get a 400 that names the limit. */
describe('large and hostile images through SDK-built URLs', async () => {
  const { cloudinary } = await loadSdk();
  const upload = async (file: string) => {
    const publicId = `budget_${uid()}/img`;
    await cloudinary.uploader.upload(`data:application/octet-stream;base64,${fixture(file).toString('base64')}`, { public_id: publicId });
    return publicId;
  };

  it('delivers f_auto,q_auto of a 24 MP photo at full size', { timeout: 120_000 }, async () => {
    const id = await upload('photo-24mp.jpg');
    const url = cloudinary.url(id, { ...LOCAL_URL, fetch_format: 'auto', quality: 'auto' });
    const res = await fetch(url, { headers: { Accept: 'image/avif,image/webp,*/*' } });
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 6532, 3675]);
  });

  it('delivers a 12 MP photo with e_grayscale at full size (in strips)', { timeout: 120_000 }, async () => {
    const id = await upload('photo-12mp.jpg');
    const res = await fetch(cloudinary.url(id, { ...LOCAL_URL, effect: 'grayscale', format: 'jpg' }));
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    const out = sharp(Buffer.from(await res.arrayBuffer()));
    const meta = await out.metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 4608, 2592]);
    // Grey: the channels agree everywhere (within JPEG's chroma error).
    const stats = await out.stats();
    expect(Math.abs(stats.channels[0].mean - stats.channels[2].mean)).toBeLessThan(1);
  });

  it('crops a 4K PNG screenshot', { timeout: 120_000 }, async () => {
    const id = await upload('screenshot-4k.png');
    const res = await fetch(cloudinary.url(id, { ...LOCAL_URL, width: 400, height: 300, crop: 'fill', format: 'png' }));
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([400, 300]);
  });

  it.each([
    ['hostile/gif-huge-frame.gif', { page: 2, format: 'png' }, /Image too large/],
    ['hostile/svg-filter-region.svg', { width: 100, crop: 'scale', format: 'png' }, /memory budget/],
    ['hostile/avif-ispe-lie.avif', { width: 100, crop: 'scale', format: 'png' }, /Image too large/],
  ] as const)(
    'answers %s with a 400 naming the limit, and the next request works',
    { timeout: 120_000 },
    async (file, options, message) => {
      const id = await upload(file);
      const res = await fetch(cloudinary.url(id, { ...LOCAL_URL, ...options }));
      expect(res.status).toBe(400);
      expect(res.headers.get('x-cld-error')).toMatch(message);
      const good = await upload('photo-1mp.jpg');
      const next = await fetch(cloudinary.url(good, { ...LOCAL_URL, width: 50, crop: 'scale', format: 'jpg' }));
      expect(next.status).toBe(200);
    },
  );
});
