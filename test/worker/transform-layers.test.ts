import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { namedTransformations } from '../../src/config/collections';
import { parseTransformation } from '../../src/engine/parse';
import { storeImage, uid } from './support/fixtures';
import { decode, encodePng, makeRaster, pixel } from './support/images';
import type { Raster } from '../../src/engine/raster';

const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const T = { timeout: 120_000 };

async function image(path: string): Promise<Raster> {
  const res = await get(path);
  expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
  return decode(new Uint8Array(await res.arrayBuffer()));
}

/** The bounding box of pixels that differ from `base`. */
function changed(base: Raster, out: Raster): { x: number; y: number; width: number; height: number; count: number } {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -1,
    y1 = -1,
    count = 0;
  for (let y = 0; y < base.height; y++) {
    for (let x = 0; x < base.width; x++) {
      const i = (y * base.width + x) * 4;
      if (
        base.data[i] !== out.data[i] ||
        base.data[i + 1] !== out.data[i + 1] ||
        base.data[i + 2] !== out.data[i + 2] ||
        base.data[i + 3] !== out.data[i + 3]
      ) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
        count++;
      }
    }
  }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1, count };
}

describe('overlays and underlays of stored images', () => {
  const base = uid('base');
  const folder = uid('logos');
  const logo = `${folder}/logo`;
  const holed = uid('holed');
  beforeAll(async () => {
    await storeImage(base, encodePng(makeRaster(200, 100, () => [0, 0, 255])));
    await storeImage(logo, encodePng(makeRaster(40, 20, () => [255, 0, 0])));
    // Opaque grey with a transparent 20x20 window in the middle.
    await storeImage(
      holed,
      encodePng(makeRaster(60, 60, (x, y) => (x >= 20 && x < 40 && y >= 20 && y < 40 ? [0, 0, 0, 0] : [128, 128, 128]))),
    );
  });

  it('places an overlay at the centre by default, changing exactly its region', T, async () => {
    const plain = await image(`${base}.png`);
    const out = await image(`l_${folder}:logo/${base}.png`);
    expect(changed(plain, out)).toEqual({ x: 80, y: 40, width: 40, height: 20, count: 800 });
    expect(pixel(out, 100, 50)).toEqual([255, 0, 0, 255]);
  });

  it('places by gravity and x/y with fl_layer_apply, and transforms the layer in its own component', T, async () => {
    const plain = await image(`${base}.png`);
    const ne = await image(`l_${folder}:logo,w_20/fl_layer_apply,g_north_east,x_5,y_10/${base}.png`);
    expect(changed(plain, ne)).toEqual({ x: 175, y: 10, width: 20, height: 10, count: 200 });
    const nw = await image(`l_${folder}:logo/fl_layer_apply,g_north_west,x_3,y_4/${base}.png`);
    expect(changed(plain, nw)).toEqual({ x: 3, y: 4, width: 40, height: 20, count: 800 });
    const inline = await image(`g_south_west,l_${folder}:logo,x_0,y_0/${base}.png`);
    expect(changed(plain, inline)).toEqual({ x: 0, y: 80, width: 40, height: 20, count: 800 });
    const greyed = await image(`l_${folder}:logo,e_grayscale/fl_layer_apply,g_north_west/${base}.png`);
    expect(pixel(greyed, 5, 5)).toEqual([76, 76, 76, 255]);
  });

  it('sizes the layer relative to the base with fl_relative', T, async () => {
    const plain = await image(`${base}.png`);
    const out = await image(`l_${folder}:logo,fl_relative,w_0.5,h_0.5,c_scale/fl_layer_apply,g_north_west/${base}.png`);
    expect(changed(plain, out)).toEqual({ x: 0, y: 0, width: 100, height: 50, count: 5000 });
    const own = await image(`l_${folder}:logo,w_0.5/fl_layer_apply,g_north_west/${base}.png`);
    expect(changed(plain, own)).toEqual({ x: 0, y: 0, width: 20, height: 10, count: 200 });
  });

  it('tiles the layer over the whole image with fl_tiled', T, async () => {
    const out = await image(`l_${folder}:logo/fl_layer_apply.tiled/${base}.png`);
    for (const [x, y] of [
      [0, 0],
      [199, 99],
      [100, 50],
      [37, 83],
    ])
      expect(pixel(out, x, y)).toEqual([255, 0, 0, 255]);
  });

  it('puts an underlay behind the image: it shows only through transparent pixels', T, async () => {
    const out = await image(`u_${folder}:logo,w_60,h_60,c_scale/${holed}.png`);
    expect([out.width, out.height]).toEqual([60, 60]);
    expect(pixel(out, 30, 30)).toEqual([255, 0, 0, 255]);
    expect(pixel(out, 5, 5)).toEqual([128, 128, 128, 255]);
  });

  it('reads a layer id with an extension as public id and format, and fl_layer_apply beside the layer as one component', T, async () => {
    const plain = await image(`${base}.png`);
    const withExt = await image(`l_${folder}:logo.png/${base}.png`);
    expect(changed(plain, withExt)).toEqual({ x: 80, y: 40, width: 40, height: 20, count: 800 });
    // The component the SDK writes for {overlay: {public_id, format: 'png'}, width: 20, crop: 'scale', flags: 'layer_apply'}.
    const same = await image(`c_scale,fl_layer_apply,l_${folder}:logo.png,w_20/${base}.png`);
    expect(changed(plain, same)).toEqual({ x: 90, y: 45, width: 20, height: 10, count: 200 });
    const placed = await image(`c_scale,fl_layer_apply,g_north_west,l_${folder}:logo.jpg,w_20,x_2,y_3/${base}.png`);
    expect(changed(plain, placed)).toEqual({ x: 2, y: 3, width: 20, height: 10, count: 200 });
  });

  it('answers 404 for a missing layer image and 400 for a malformed one', T, async () => {
    const missing = await get(`l_${uid('nothing')}/${base}.png`);
    expect(missing.status).toBe(404);
    const bad = await get(`l_fetch:!!!/${base}.png`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-cld-error')).toBe('Invalid overlay in transformation: fetch:!!!');
  });
});

describe('layer grammar', () => {
  it('decodes text as the SDK encodes it, and writes a canonical single item', () => {
    const plan = parseTransformation(['co_rgb:ffffff,l_text:Arial_30_bold_italic_letter_spacing_4:Hi%252C%20a%252Fb%20%25%20%CE%B1'], {
      encoded: true,
    });
    const l = plan.components[0].params.l;
    expect(l).toMatchObject({
      kind: 'text',
      text: 'Hi, a/b % α',
      font: { family: 'Arial', size: 30, weight: 'bold', style: 'italic', letterSpacing: 4 },
    });
    expect(plan.canonical).toBe('co_rgb:ffffff,l_text:Arial_30_bold_italic_letter_spacing_4:Hi%2C a%2Fb %25 α');
    expect(parseTransformation(['l_text:my_style:Hello'], { encoded: true }).components[0].params.l).toEqual({
      kind: 'text_style',
      stylePublicId: 'my_style',
      text: 'Hello',
    });
    expect(parseTransformation(['l_a:b:c'], { encoded: true }).components[0].params.l).toEqual({ kind: 'asset', publicId: 'a/b/c' });
    const withFormat = parseTransformation(['c_scale,fl_layer_apply,l_folder:logo.PNG,w_50'], { encoded: true });
    expect(withFormat.components[0].params.l).toEqual({ kind: 'asset', publicId: 'folder/logo', format: 'png' });
    expect(withFormat.canonical).toBe('c_scale,fl_layer_apply,l_folder:logo.png,w_50');
    // A dot that is not an image format's extension belongs to the public id.
    expect(parseTransformation(['l_v1.2:notes'], { encoded: true }).components[0].params.l).toEqual({
      kind: 'asset',
      publicId: 'v1.2/notes',
    });
    expect(parseTransformation(['l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2EucG5n'], { encoded: true }).components[0].params.l).toEqual({
      kind: 'fetch',
      url: 'http://example.com/a.png',
    });
    expect(() => parseTransformation(['l_fetch:ZmlsZTovLy9ldGMvcGFzc3dk'], { encoded: true })).toThrow('Invalid overlay in transformation');
  });
});

describe('named transformations (t_)', () => {
  const id = uid('named');
  const small = uid('small');
  const grey = uid('grey');
  const outer = uid('outer');
  beforeAll(async () => {
    await storeImage(id, encodePng(makeRaster(100, 80, (x) => [x * 2, 50, 200])));
    const store = namedTransformations(env.CONFIG, 'demo');
    const now = new Date().toISOString();
    const base = { allowed_for_strict: true, created_at: now, updated_at: now };
    await store.put(small, { ...base, name: small, transformation: 'c_scale,w_50' });
    await store.put(grey, { ...base, name: grey, transformation: 'e_grayscale', format: 'jpg' });
    await store.put(outer, { ...base, name: outer, transformation: `t_${small}/c_crop,w_10,h_10` });
    await store.put('c_scale,w_7', { ...base, name: 'c_scale,w_7', transformation: 'c_scale,w_7', named: false });
  });

  it('expands a name, chained names, and nested names', T, async () => {
    expect((await image(`t_${small}/${id}.png`)).width).toBe(50);
    const chained = await SELF.fetch(`http://w/demo/image/upload/t_${small}.${grey}/${id}`);
    expect(chained.status, chained.headers.get('x-cld-error') ?? '').toBe(200);
    expect(chained.headers.get('content-type')).toBe('image/jpeg');
    const px = pixel(decode(new Uint8Array(await chained.arrayBuffer())), 10, 10);
    expect(Math.abs(px[0] - px[2])).toBeLessThan(4);
    const nested = await image(`t_${outer}/${id}.png`);
    expect([nested.width, nested.height]).toEqual([10, 10]);
    const mixed = await image(`t_${small},a_90/${id}.png`);
    expect([mixed.width, mixed.height]).toEqual([40, 50]);
  });

  it('refuses unknown names and entries that are not names', T, async () => {
    const unknown = await get(`t_${uid('nope')}/${id}.png`);
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('x-cld-error')).toMatch(/^Transformation .* not found$/);
    const unnamed = await get(`t_c_scale,w_7/${id}.png`);
    expect(unnamed.status).toBe(400);
  });

  it('refuses a definition that refers to itself', T, async () => {
    const loop = uid('loop');
    const now = new Date().toISOString();
    await namedTransformations(env.CONFIG, 'demo').put(loop, {
      name: loop,
      transformation: `t_${loop}`,
      allowed_for_strict: true,
      created_at: now,
      updated_at: now,
    });
    const res = await get(`t_${loop}/${id}.png`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toContain('refers to itself');
  });
});
