import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** Chained dpr, expressions, conditionals, w_auto and the framework items, with URLs built by Cloudinary's Node SDK. */
describe('Transformations III through SDK-built URLs', async () => {
  const { cloudinary } = await loadSdk();
  const upload = async (file: string, options: object = {}) => {
    const publicId = `tx3_${uid()}/img`;
    await cloudinary.uploader.upload(`data:application/octet-stream;base64,${fixture(file).toString('base64')}`, {
      public_id: publicId,
      ...options,
    });
    return publicId;
  };
  const size = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers });
    expect(res.status, `${url} ${res.headers.get('x-cld-error')}`).toBe(200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    return { size: `${meta.width}x${meta.height}`, res };
  };

  it('composes dpr across components, evaluates expressions, variables and conditionals (photo-1mp.jpg is 1152x864)', async () => {
    const id = await upload('photo-1mp.jpg');
    const cases: [object, string][] = [
      [{ transformation: [{ width: 200, height: 200, crop: 'fill' }, { dpr: 2.0 }] }, '400x400'],
      [{ width: 'iw / 2', crop: 'scale' }, '576x432'],
      [{ width: 'iw', height: 'ih', crop: 'fill' }, '1152x864'],
      [{ transformation: [{ variables: [['$w', 300]] }, { width: '$w', crop: 'scale' }] }, '300x225'],
      [
        {
          if: 'face_count > 2',
          variables: [
            ['$z', 5],
            ['$foo', '$z * 2'],
          ],
          crop: 'scale',
          width: '$foo * 20',
        },
        '1152x864',
      ],
      [
        {
          variables: [
            ['$z', 5],
            ['$foo', '$z * 2'],
          ],
          crop: 'scale',
          width: '$foo * 20',
        },
        '200x150',
      ],
      [{ transformation: [{ if: 'w > 1000' }, { crop: 'scale', width: 1000 }, { if: 'end' }] }, '1000x750'],
      [
        {
          transformation: [{ if: 'ar > 1.0' }, { width: 100, crop: 'scale' }, { if: 'else' }, { width: 50, crop: 'scale' }, { if: 'end' }],
        },
        '100x75',
      ],
      [
        {
          transformation: [
            { if: 'initial_width < 1000' },
            { width: 100, crop: 'scale' },
            { if: 'else' },
            { width: 50, crop: 'scale' },
            { if: 'end' },
          ],
        },
        '50x38',
      ],
    ];
    for (const [options, expected] of cases) {
      const url = cloudinary.url(id, { ...LOCAL_URL, ...options, format: 'png' });
      expect((await size(url)).size, url).toBe(expected);
    }
  });

  it('reads the tags and context given at upload', async () => {
    const tagged = await upload('photo-1mp.jpg', { tags: ['sale'], context: 'kind=shoes' });
    const plain = await upload('photo-1mp.jpg');
    for (const condition of ['!sale!_in_tags', 'ctx:!kind!_eq_!shoes!']) {
      const options = { if: condition, width: 100, crop: 'scale', format: 'png' };
      expect((await size(cloudinary.url(tagged, { ...LOCAL_URL, ...options }))).size, condition).toBe('100x75');
      expect((await size(cloudinary.url(plain, { ...LOCAL_URL, ...options }))).size, condition).toBe('1152x864');
    }
  });

  it('refuses a bad expression with 400 and X-Cld-Error', async () => {
    const id = await upload('photo-1mp.jpg');
    const res = await fetch(cloudinary.url(id, { ...LOCAL_URL, width: 'iw / 0', crop: 'scale' }));
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toMatch(/expression/);
  });

  it('sizes w_auto from width hints (responsive_width and Client Hints forms)', async () => {
    const id = await upload('photo-1mp.jpg');
    const responsive = cloudinary.url(id, { ...LOCAL_URL, responsive_width: true, width: 'auto', crop: 'limit', format: 'png' });
    expect(responsive).toContain('c_limit,w_auto');
    const hinted = await size(responsive, { 'Sec-CH-Width': '250' });
    expect(hinted.size).toBe('300x225');
    expect(hinted.res.headers.get('vary')).toContain('Sec-CH-Width');
    const hints = cloudinary.url(id, { ...LOCAL_URL, width: 'auto:100:400', dpr: 'auto', crop: 'limit', format: 'png' });
    expect(hints).toContain('c_limit,dpr_auto,w_auto:100:400');
    expect((await size(hints)).size).toBe('400x300');
    expect((await size(hints, { Width: '520', DPR: '2' })).size).toBe('600x450');
  });

  it('takes what the framework integrations add: fl_no_overflow, CSS colour names, e_tint:equalize, blend modes', async () => {
    const id = await upload('photo-1mp.jpg');
    const mark = await upload('alpha.png');
    const urls = [
      cloudinary.url(id, {
        ...LOCAL_URL,
        transformation: [
          { overlay: mark.replace('/', ':'), width: 100, crop: 'scale' },
          { flags: ['layer_apply', 'no_overflow'], gravity: 'north' },
        ],
        format: 'png',
      }),
      cloudinary.url(id, {
        ...LOCAL_URL,
        transformation: [{ overlay: mark.replace('/', ':') }, { flags: ['layer_apply', 'no_overflow'], effect: 'multiply' }],
        format: 'png',
      }),
      cloudinary.url(id, { ...LOCAL_URL, color: 'blueviolet', effect: 'colorize', format: 'png' }),
      cloudinary.url(id, { ...LOCAL_URL, effect: 'tint:equalize:80:red:blue', format: 'png' }),
      cloudinary.url(id, { ...LOCAL_URL, effect: 'trim::', format: 'png' }),
    ];
    for (const url of urls) expect((await size(url)).size, url).toBe('1152x864');
    const res = await fetch(urls[2]);
    const { data } = await sharp(Buffer.from(await res.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(Array.from(data.subarray(0, 3))).toEqual([138, 43, 226]);
  });

  it('crops to custom_coordinates given at upload (g_custom, c_auto)', async () => {
    const id = await upload('photo-1mp.jpg', { custom_coordinates: '100,200,300,150' });
    const crop = await size(cloudinary.url(id, { ...LOCAL_URL, crop: 'crop', gravity: 'custom', format: 'png' }));
    expect(crop.size).toBe('300x150');
    const scaled = await size(
      cloudinary.url(id, {
        ...LOCAL_URL,
        transformation: [
          { width: 576, crop: 'scale' },
          { crop: 'crop', gravity: 'custom' },
        ],
        format: 'png',
      }),
    );
    expect(scaled.size).toBe('150x75');
    const auto = await size(cloudinary.url(id, { ...LOCAL_URL, crop: 'auto', width: 200, height: 200, format: 'png' }));
    expect(auto.size).toBe('200x200');
  });

  it('pads with automatic and blurred backgrounds', async () => {
    const id = await upload('photo-1mp.jpg');
    for (const background of [
      'auto',
      'auto:predominant',
      'auto:border_contrast',
      'auto:predominant_gradient:4:vertical',
      'blurred:400:15',
    ]) {
      const url = cloudinary.url(id, { ...LOCAL_URL, crop: 'pad', width: 300, height: 300, background, format: 'png' });
      expect(url).toContain(`b_${background}`);
      expect((await size(url)).size, url).toBe('300x300');
    }
  });
});
