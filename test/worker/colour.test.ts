import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { readJpegMetadata } from '../../src/engine/metadata';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, dims, meanDiff } from './support/images';

const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 120_000 };
const latin1 = (b: Uint8Array) => new TextDecoder('latin1').decode(b);

const iccOf = (jpeg: Uint8Array) => readJpegMetadata(jpeg).icc;

describe('colour management: CMYK and embedded profiles become sRGB', () => {
  it.each([
    ['cmyk.jpg', 'ref-cmyk-srgb-w300.png'],
    ['adobergb-icc.jpg', 'ref-adobergb-icc-srgb-w300.png'],
    ['p3-photo.jpg', 'ref-p3-photo-srgb-w300.png'],
  ])('%s at w_300 is within a mean difference of 3 of libvips (sharp) sRGB', T, async (file, ref) => {
    const id = uid('cs');
    await storeImage(id, fixture(file));
    const res = await get(`c_scale,w_300/${id}.png`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    const ours = decode(await bytesOf(res));
    const reference = decode(fixture(ref));
    expect(`${ours.width}x${ours.height}`).toBe(`${reference.width}x${reference.height}`);
    expect(meanDiff(ours, reference)).toBeLessThan(3);
  });

  it.each(['cmyk.jpg', 'adobergb-icc.jpg'])('converts %s in the strip-wise full-size path as in the whole-frame one', T, async (file) => {
    const id = uid('csf');
    await storeImage(id, fixture(file));
    const streamed = await bytesOf(await get(`q_95/${id}.jpg`));
    const framed = await bytesOf(await get(`q_95,a_0/${id}.jpg`));
    expect(dims(streamed)).toBe(dims(framed));
    expect(meanDiff(decode(streamed), decode(framed))).toBeLessThan(1);
    // Both converted: far from the source's own numbers read as if they were sRGB.
    const thumb = decode(await bytesOf(await get(`c_scale,w_300/${id}.png`)));
    expect(
      meanDiff(thumb, decode(fixture(file === 'cmyk.jpg' ? 'ref-cmyk-srgb-w300.png' : 'ref-adobergb-icc-srgb-w300.png'))),
    ).toBeLessThan(3);
    expect(engineMemory().stats.open).toBe(0);
  });

  it(
    'replaces a converted profile with a small sRGB one, keeps an sRGB profile as it is, drops either with fl_strip_profile',
    T,
    async () => {
      const adobe = uid('csa');
      const srgb = uid('css');
      await storeImage(adobe, fixture('adobergb-icc.jpg'));
      await storeImage(srgb, fixture('photo-3mp-exif.jpg'));
      const fromAdobe = iccOf(await bytesOf(await get(`c_scale,w_200/${adobe}.jpg`)));
      expect(fromAdobe).toBeDefined();
      expect(fromAdobe!.length).toBeLessThan(1000);
      expect(latin1(fromAdobe!)).not.toContain('Adobe');
      expect(iccOf(await bytesOf(await get(`q_90/${adobe}.jpg`)))).toEqual(fromAdobe);
      const kept = iccOf(await bytesOf(await get(`c_scale,w_200/${srgb}.jpg`)));
      expect(kept).toEqual(readJpegMetadata(fixture('photo-3mp-exif.jpg')).icc);
      expect(iccOf(await bytesOf(await get(`c_scale,w_200,fl_strip_profile/${adobe}.jpg`)))).toBeUndefined();
    },
  );

  it('cs_tinysrgb embeds the small sRGB profile in JPEG and PNG, cs_srgb and cs_no_cmyk are accepted', T, async () => {
    const id = uid('cst');
    await storeImage(id, fixture('photo-3mp-exif.jpg'));
    const tiny = iccOf(await bytesOf(await get(`c_scale,w_200,cs_tinysrgb/${id}.jpg`)));
    expect(tiny).toBeDefined();
    expect(tiny!.length).toBeLessThan(1000);
    const png = await bytesOf(await get(`c_scale,w_200,cs_tinysrgb/${id}.png`));
    expect(latin1(png)).toContain('iCCP');
    const cmyk = uid('csk');
    await storeImage(cmyk, fixture('cmyk.jpg'));
    for (const cs of ['cs_srgb', 'cs_no_cmyk']) {
      const res = await get(`c_scale,w_300,${cs}/${cmyk}.png`);
      expect(res.status, cs).toBe(200);
      expect(meanDiff(decode(await bytesOf(res)), decode(fixture('ref-cmyk-srgb-w300.png'))), cs).toBeLessThan(3);
    }
  });

  it.each([
    ['cs_keep_cmyk', 'Keeping CMYK (cs_keep_cmyk) is not supported'],
    ['cs_cmyk', 'CMYK output (cs_cmyk) is not supported'],
    ['cs_copy', 'cs_copy) is not supported'],
    ['cs_icc:profiles:fogra39.icc', 'Custom ICC profiles (cs_icc:profiles:fogra39.icc) are not supported'],
    ['cs_lab', 'Invalid color_space'],
  ])('%s answers 400 saying why, and the next request works', T, async (cs, message) => {
    const id = uid('csx');
    await storeImage(id, fixture('cmyk.jpg'));
    const res = await get(`c_scale,w_100,${cs}/${id}.jpg`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toContain(message);
    await res.arrayBuffer();
    const next = await get(`c_scale,w_100/${id}.jpg`);
    expect(next.status).toBe(200);
    expect(dims(await bytesOf(next))).toBe('100x67');
  });
});
