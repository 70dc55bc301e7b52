import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { planJpegDecode } from '../../src/engine/codecs/pipeline';
import { fixture, storeImage, uid } from './support/fixtures';
import { dims, MAGIC } from './support/images';

const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 120_000 };

describe('JPEG shrink-on-load in the engine', () => {
  it('decodes at the largest 1/2^k scale that still covers the output', () => {
    expect(planJpegDecode(6532, 3675, { width: 1600, height: 900 })).toEqual({ shrink: 4, width: 1633, height: 919 });
    expect(planJpegDecode(6532, 3675, { width: 400, height: 300 }, { x: 1816, y: 0, width: 4900, height: 3675 })).toEqual({
      shrink: 8,
      width: 817,
      height: 460,
    });
    expect(planJpegDecode(6532, 3675, { width: 400, height: 300 }, { x: 0, y: 0, width: 800, height: 600 })).toMatchObject({ shrink: 2 });
    expect(planJpegDecode(1152, 864)).toEqual({ shrink: 1, width: 1152, height: 864 });
  });

  describe('a 24 MP photo (twice MAX_JPEG_DECODE_PIXELS)', () => {
    const photo = uid('p24');
    beforeAll(async () => {
      await storeImage(photo, fixture('photo-24mp.jpg'));
    }, 120_000);

    it.each([
      ['c_scale,w_1600', 'jpg', '1600x900'],
      ['c_fill,w_400,h_300', 'jpg', '400x300'],
      ['c_fill,w_400,h_300', 'webp', '400x300'],
    ])('%s.%s is made from a shrunk decode', T, async (t, f, expected) => {
      const res = await get(`${t}/${photo}.${f}`);
      expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
      const b = await bytesOf(res);
      expect(MAGIC[f](b)).toBe(true);
      expect(dims(b)).toBe(expected);
    });

    it('refuses a full-size decode with a clear 400', T, async () => {
      const res = await get(`c_scale,w_6000/${photo}.jpg`);
      expect(res.status).toBe(400);
      expect(res.headers.get('x-cld-error')).toMatch(/Image too large: decoding \d+ pixels, maximum is 12000000/);
    });
  });

  it('applies the EXIF orientation to a shrunk decode', T, async () => {
    const id = uid('o6');
    await storeImage(id, fixture('orientation-6.jpg'));
    const res = await get(`c_scale,w_100/${id}.png`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe('100x160');
  });
});
