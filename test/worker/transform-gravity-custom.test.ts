import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTransformation } from '../../src/engine/parse';
import type { Raster } from '../../src/engine/raster';
import { resolveOutput } from '../../src/engine/negotiate';
import { usesAssetFacts } from '../../src/engine/resolve-plan';
import { variantOf } from '../../src/services/derived/derive';
import { storeImage, uid } from './support/fixtures';
import { decode, encodePng, makeRaster, pixel } from './support/images';

/** g_custom (and its face fallbacks) from stored coordinates, and c_auto. */
const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const T = { timeout: 120_000 };

async function image(path: string): Promise<Raster> {
  const res = await get(path);
  expect(res.status, `${path}: ${res.headers.get('x-cld-error') ?? ''}`).toBe(200);
  return decode(new Uint8Array(await res.arrayBuffer()));
}

const isRed = (p: number[]) => p[0] > 200 && p[1] < 60 && p[2] < 60;
/** 200x100 grey with a red 40x40 square at (150, 10). */
const picture = () =>
  encodePng(makeRaster(200, 100, (x, y) => (x >= 150 && x < 190 && y >= 10 && y < 50 ? [230, 20, 20] : [128, 128, 128])));

describe('g_custom and c_auto', () => {
  const custom = uid('custom');
  const faces = uid('faces');
  const none = uid('nocoords');
  beforeAll(async () => {
    await storeImage(custom, picture(), 'demo', { coordinates: JSON.stringify({ custom: [[150, 10, 40, 40]] }) });
    await storeImage(faces, picture(), 'demo', { coordinates: JSON.stringify({ faces: [[150, 10, 40, 40]] }) });
    await storeImage(none, picture());
  });

  it('parses g_custom and its fallbacks, and c_auto', () => {
    expect(parseTransformation('c_fill,g_custom:face,w_10').canonical).toBe('c_fill,g_custom:face,w_10');
    expect(parseTransformation('c_fill,g_custom:adv_faces,w_10').canonical).toBe('c_fill,g_custom:faces,w_10');
    expect(parseTransformation('c_auto,w_10,h_10').canonical).toBe('c_auto,h_10,w_10');
  });

  it('c_crop,g_custom crops to the stored coordinates, scaled after a resize', T, async () => {
    const crop = await image(`c_crop,g_custom/${custom}.png`);
    expect([crop.width, crop.height]).toEqual([40, 40]);
    expect(isRed(pixel(crop, 0, 0)) && isRed(pixel(crop, 39, 39))).toBe(true);
    const scaled = await image(`c_scale,w_100/c_crop,g_custom/${custom}.png`);
    expect([scaled.width, scaled.height]).toEqual([20, 20]);
    expect(isRed(pixel(scaled, 10, 10))).toBe(true);
  });

  it('c_fill,g_custom keeps the stored area in the window; without coordinates it is the centre', T, async () => {
    const filled = await image(`c_fill,g_custom,w_50,h_50/${custom}.png`);
    expect(isRed(pixel(filled, 35, 15))).toBe(true);
    const centred = await image(`c_fill,g_custom,w_50,h_50/${none}.png`);
    expect(isRed(pixel(centred, 35, 15))).toBe(false);
    expect(isRed(pixel(centred, 49, 15))).toBe(false);
  });

  it('g_custom:face falls back to stored faces', T, async () => {
    const out = await image(`c_fill,g_custom:face,w_50,h_50/${faces}.png`);
    expect(isRed(pixel(out, 35, 15))).toBe(true);
    const plain = await image(`c_fill,g_custom,w_50,h_50/${faces}.png`);
    expect(isRed(pixel(plain, 35, 15))).toBe(false);
  });

  it('c_auto fills the box around the custom area, else the most detailed region', T, async () => {
    for (const id of [custom, none]) {
      const out = await image(`c_auto,w_50,h_50/${id}.png`);
      expect([out.width, out.height]).toEqual([50, 50]);
      let red = 0;
      for (let y = 0; y < 50; y++) for (let x = 0; x < 50; x++) if (isRed(pixel(out, x, y))) red++;
      expect(red, id).toBeGreaterThan(300);
    }
    const oneSide = await image(`c_auto,w_100/${custom}.png`);
    expect([oneSide.width, oneSide.height]).toEqual([100, 50]);
  });

  it('a new coordinate set is a new derived variant', () => {
    const plan = parseTransformation('c_crop,g_custom');
    const resolved = resolveOutput(plan, { format: 'png' }, {});
    const at = (x: number) => variantOf(plan, resolved, { custom: [{ x, y: 0, width: 40, height: 40 }] });
    expect(at(0)).not.toBe(at(150));
    expect(usesAssetFacts(plan.components)).toBe(true);
    expect(usesAssetFacts(parseTransformation('c_crop,g_north,w_10').components)).toBe(false);
  });
});
