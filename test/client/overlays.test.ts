import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';
import { serve, startOrigin, type Origin } from '../support/origin';
import { fixtureBytes } from '../support/fixtures';

/** Overlay, underlay and text layer URLs built by Cloudinary's SDK, answered by the running worker. */
const solid = (width: number, height: number, rgb: [number, number, number]) =>
  sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();

async function raw(url: string) {
  const res = await fetch(url);
  expect(res.status, `${url} ${res.headers.get('x-cld-error')}`).toBe(200);
  const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4));
  return { info, at, data };
}

describe('layers through SDK-built URLs', async () => {
  const { cloudinary, base } = await loadSdk();
  const dataUri = (b: Buffer) => `data:image/png;base64,${b.toString('base64')}`;
  const folder = uid('layers');
  const baseId = `${folder}/base`;
  const logoId = `${folder}/logo`;
  let origin: Origin;

  beforeAll(async () => {
    await cloudinary.uploader.upload(dataUri(await solid(200, 100, [0, 0, 255])), { public_id: baseId });
    await cloudinary.uploader.upload(dataUri(await solid(40, 20, [255, 0, 0])), { public_id: logoId });
    origin = await startOrigin();
  });
  afterAll(() => origin?.close());

  it('places an image overlay by gravity and offsets (folder ids become l_folder:name)', async () => {
    const url = cloudinary.url(baseId, {
      ...LOCAL_URL,
      format: 'png',
      transformation: [
        { overlay: { public_id: logoId }, width: 20, crop: 'scale' },
        { flags: 'layer_apply', gravity: 'south_east', x: 10, y: 5 },
      ],
    });
    expect(url).toBe(`${base}/demo/image/upload/c_scale,l_${folder}:logo,w_20/fl_layer_apply,g_south_east,x_10,y_5/v1/${baseId}.png`);
    const img = await raw(url);
    expect(img.at(200 - 10 - 10, 100 - 5 - 5)).toEqual([255, 0, 0, 255]);
    expect(img.at(200 - 10 - 21, 100 - 5 - 5)).toEqual([0, 0, 255, 255]);
    expect(img.at(100, 50)).toEqual([0, 0, 255, 255]);
  });

  it("resolves the SDK's one-component form with a format: {overlay: {public_id, format}, flags: layer_apply}", async () => {
    const url = cloudinary.url(baseId, {
      ...LOCAL_URL,
      format: 'png',
      transformation: [
        { overlay: { public_id: logoId, format: 'png' }, width: 20, crop: 'scale', flags: 'layer_apply', gravity: 'north_west' },
      ],
    });
    expect(url).toBe(`${base}/demo/image/upload/c_scale,fl_layer_apply,g_north_west,l_${folder}:logo.png,w_20/v1/${baseId}.png`);
    const img = await raw(url);
    expect(img.at(5, 5)).toEqual([255, 0, 0, 255]);
    expect(img.at(25, 5)).toEqual([0, 0, 255, 255]);
    expect(img.at(5, 15)).toEqual([0, 0, 255, 255]);
  });

  it('sizes an overlay relative to the base and tiles one', async () => {
    const relative = await raw(
      cloudinary.url(baseId, {
        ...LOCAL_URL,
        format: 'png',
        transformation: [
          { overlay: { public_id: logoId }, width: '0.5', height: '1.0', crop: 'scale', flags: 'relative' },
          { flags: 'layer_apply', gravity: 'west' },
        ],
      }),
    );
    expect(relative.at(99, 99)).toEqual([255, 0, 0, 255]);
    expect(relative.at(101, 50)).toEqual([0, 0, 255, 255]);
    const tiled = await raw(
      cloudinary.url(baseId, {
        ...LOCAL_URL,
        format: 'png',
        transformation: [{ overlay: { public_id: logoId } }, { flags: ['layer_apply', 'tiled'] }],
      }),
    );
    expect(tiled.at(0, 0)).toEqual([255, 0, 0, 255]);
    expect(tiled.at(199, 99)).toEqual([255, 0, 0, 255]);
  });

  it('puts an underlay behind a transparent image', async () => {
    const holed = `${folder}/holed`;
    const png = await sharp({ create: { width: 50, height: 50, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .composite([{ input: await solid(50, 10, [0, 255, 0]), top: 0, left: 0 }])
      .png()
      .toBuffer();
    await cloudinary.uploader.upload(dataUri(png), { public_id: holed });
    const img = await raw(
      cloudinary.url(holed, { ...LOCAL_URL, format: 'png', underlay: { public_id: logoId }, width: 50, height: 50, crop: 'scale' }),
    );
    expect(img.at(5, 5)).toEqual([0, 255, 0, 255]);
    expect(img.at(25, 40)).toEqual([255, 0, 0, 255]);
  });

  it('overlays a remote image through the guarded fetcher (l_fetch:<base64url>)', async () => {
    const path = `/${uid()}/mark.png`;
    origin.route(path, serve(await solid(30, 30, [255, 255, 0]), { 'Content-Type': 'image/png' }));
    const url = cloudinary.url(baseId, {
      ...LOCAL_URL,
      format: 'png',
      transformation: [{ overlay: { url: origin.url + path } }, { flags: 'layer_apply', gravity: 'north_west' }],
    });
    expect(url).toContain('/l_fetch:');
    const img = await raw(url);
    expect(img.at(10, 10)).toEqual([255, 255, 0, 255]);
    expect(img.at(40, 40)).toEqual([0, 0, 255, 255]);
    const missing = await fetch(
      cloudinary.url(baseId, { ...LOCAL_URL, format: 'png', overlay: { url: `${origin.url}/${uid()}/none.png` } }),
    );
    expect(missing.status).toBeGreaterThanOrEqual(400);
    expect(missing.headers.get('x-cld-error')).toContain('Error in loading');
  });

  it('renders text overlays with the SDK escaping (commas, slashes, spaces), colour and style', async () => {
    const plain = await raw(cloudinary.url(baseId, { ...LOCAL_URL, format: 'png' }));
    const url = cloudinary.url(baseId, {
      ...LOCAL_URL,
      format: 'png',
      transformation: [
        { overlay: { font_family: 'Arial', font_size: 30, font_weight: 'bold', text: 'Hi, a/b %' }, color: '#ffffff' },
        { flags: 'layer_apply', gravity: 'center' },
      ],
    });
    expect(url).toContain('l_text:Arial_30_bold:Hi%252C%20a%252Fb%20%25/');
    const img = await raw(url);
    // White ink appears in the middle band and nowhere near the corners.
    let white = 0;
    for (let y = 0; y < 100; y++) for (let x = 0; x < 200; x++) if (img.at(x, y)[0] > 200 && img.at(x, y)[2] > 200) white++;
    expect(white).toBeGreaterThan(100);
    expect(img.at(2, 2)).toEqual(plain.at(2, 2));
    // A longer text renders wider, letter spacing widens it too: the text is really laid out in a font.
    const inkRight = async (overlay: Record<string, unknown>) => {
      const t = await raw(
        cloudinary.url(baseId, {
          ...LOCAL_URL,
          format: 'png',
          transformation: [
            { overlay: { font_family: 'Arial', font_size: 30, ...overlay } },
            { flags: 'layer_apply', gravity: 'north_west' },
          ],
        }),
      );
      let right = -1;
      for (let y = 0; y < 100; y++) for (let x = 0; x < 200; x++) if (t.at(x, y)[2] < 128) right = Math.max(right, x);
      return right;
    };
    const short = await inkRight({ text: 'Hi' });
    expect(short).toBeGreaterThan(10);
    expect(await inkRight({ text: 'Hi there' })).toBeGreaterThan(short + 40);
    expect(await inkRight({ text: 'Hi', letter_spacing: 10 })).toBeGreaterThan(short + 5);
  });
});

describe('pg_ against libvips as the reference', async () => {
  const { cloudinary } = await loadSdk();
  it('gives the same pixels as sharp for every frame of an animated GIF', async () => {
    const gif = fixtureBytes('animated.gif');
    const id = uid('anim');
    await cloudinary.uploader.upload(`data:image/gif;base64,${gif.toString('base64')}`, { public_id: id });
    const { pages = 1 } = await sharp(gif).metadata();
    expect(pages).toBeGreaterThan(1);
    for (let page = 1; page <= Math.min(pages, 4); page++) {
      const ours = await raw(cloudinary.url(id, { ...LOCAL_URL, format: 'png', page }));
      const ref = await sharp(gif, { page: page - 1 })
        .ensureAlpha()
        .raw()
        .toBuffer();
      let diff = 0;
      // Alpha everywhere; colour where the pixel is visible (transparent pixels' RGB means nothing).
      for (let i = 0; i < ref.length; i++) if ((i & 3) === 3 || ref[i + 3 - (i & 3)] > 0) diff += Math.abs(ours.data[i] - ref[i]);
      expect(diff / ref.length, `page ${page}`).toBeLessThan(1);
    }
  });
});
