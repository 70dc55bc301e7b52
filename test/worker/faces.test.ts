/// <reference types="vite/client" />
import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { engineStats, findFaces } from '../../src/engine/engine';
import type { Raster } from '../../src/engine/raster';
import type { Area } from '../../src/engine/types';
import { parseTransformation } from '../../src/engine/parse';
import { configFrom } from '../../src/config/config';
import { analyse } from '../../src/services/analysis/semantic';
import labels from '../fixtures/faces-labels.json';
import { storeImage, uid } from './support/fixtures';
import { decode, pixel } from './support/images';

/** Faces through the worker: detection in workerd, recorded once, and every transformation built on it. */
const FILES = import.meta.glob('../fixtures/{face-*,faces-*,photo-*,photo,bomb-*,truncated}.{jpg,png,heic}', {
  query: '?inline',
  import: 'default',
  eager: true,
}) as Record<string, string>;
function fixture(name: string): Uint8Array {
  const url = FILES[`../fixtures/${name}`];
  if (url === undefined) throw new Error(`no fixture ${name}`);
  return Uint8Array.from(atob(url.slice(url.indexOf(',') + 1)), (c) => c.charCodeAt(0));
}
const T = { timeout: 120_000 };
const limits = () => configFrom(env).limits;
const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
async function image(path: string): Promise<Raster> {
  const res = await get(path);
  expect(res.status, `${path}: ${res.headers.get('x-cld-error') ?? ''}`).toBe(200);
  return decode(new Uint8Array(await res.arrayBuffer()));
}
const iou = (a: Area, b: Area) => {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w <= 0 || h <= 0 ? 0 : (w * h) / (a.width * a.height + b.width * b.height - w * h);
};
const box = ([x, y, width, height]: number[]): Area => ({ x, y, width, height });
const same = (a: Raster, b: Raster) => a.width === b.width && a.height === b.height && a.data.every((v, i) => v === b.data[i]);

describe('findFaces (engine, in workerd)', () => {
  it('finds the hand-checked face of each portrait, and none in a landscape', T, async () => {
    for (const name of ['face-astronaut.jpg', 'face-cameraman.jpg', 'face-hopper.jpg'] as const) {
      const faces = await findFaces(fixture(name), limits());
      expect(faces, name).toHaveLength(1);
      expect(iou(faces[0], box(labels.faces[name][0])), name).toBeGreaterThanOrEqual(0.5);
    }
    expect(await findFaces(fixture('photo-1mp.jpg'), limits())).toEqual([]);
  });

  it('refuses hostile images with 400 before decoding them, as delivery does', T, async () => {
    for (const name of ['bomb-50000x50000.png', 'bomb-65500x65500.jpg', 'truncated.jpg']) {
      const err = await findFaces(fixture(name), limits()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, name).toMatchObject({ status: 400 });
    }
  });

  it('faces=true never fails an upload: an image the detector cannot read has no faces', T, async () => {
    const req = { colors: false, phash: false, imageMetadata: false, exif: false, faces: true, qualityAnalysis: false };
    expect(await analyse(fixture('photo.heic'), req, limits(), true)).toEqual({ faces: [] });
    const found = await analyse(fixture('face-hopper.jpg'), req, limits(), true);
    expect(found.faces).toHaveLength(1);
  });

  it('reads a 12 MP photo through a copy decoded at the detector size, within its budget', T, async () => {
    const before = engineStats.faceDetections;
    expect(await findFaces(fixture('photo-12mp.jpg'), limits())).toEqual([]);
    expect(engineStats.faceDetections).toBe(before + 1);
    // JPEG shrink-on-load: the peak (15.6 MB measured, most of it the decoder's) is well under the 48 MB of a whole decode.
    expect(engineStats.lastPeakBytes).toBeLessThan(20 * 1024 * 1024);
  });
});

describe('face gravities, crops and effects', () => {
  const astronaut = uid('astronaut');
  const group = uid('group');
  const landscape = uid('landscape');
  const given = uid('given');
  const outside = uid('outside');
  beforeAll(async () => {
    await storeImage(astronaut, fixture('face-astronaut.jpg'));
    await storeImage(group, fixture('faces-group.jpg'));
    await storeImage(landscape, fixture('photo-1mp.jpg'));
    await storeImage(given, fixture('face-astronaut.jpg'), 'demo', { coordinates: JSON.stringify({ faces: [[10, 20, 50, 40]] }) });
    await storeImage(outside, fixture('face-astronaut.jpg'), 'demo', { coordinates: JSON.stringify({ faces: [[480, 500, 100, 100]] }) });
  });

  it('keeps each face gravity as written', () => {
    for (const g of ['face', 'faces', 'face:center', 'faces:center', 'face:auto', 'auto:faces', 'adv_faces'])
      expect(parseTransformation(`c_thumb,g_${g},w_10`).canonical).toBe(`c_thumb,g_${g},w_10`);
  });

  it('c_crop,g_face cuts out the face; the faces are found once and recorded with the asset', T, async () => {
    const before = engineStats.faceDetections;
    const face = await image(`c_crop,g_face/${astronaut}.png`);
    const label = box(labels.faces['face-astronaut.jpg'][0]);
    expect(iou({ x: 0, y: 0, width: face.width, height: face.height }, { ...label, x: 0, y: 0 })).toBeGreaterThan(0.5);
    expect(engineStats.faceDetections).toBe(before + 1);
    // Other variants read the recorded faces.
    await image(`c_thumb,g_face,w_80,h_80/${astronaut}.png`);
    await image(`c_fill,g_faces,w_60,h_90/${astronaut}.jpg`);
    expect(engineStats.faceDetections).toBe(before + 1);
    const row = await env.DB.prepare('SELECT info FROM resources WHERE public_id = ?').bind(astronaut).first<{ info: string }>();
    const faces = (JSON.parse(row!.info) as { faces: number[][] }).faces;
    expect(faces).toHaveLength(1);
    expect(iou(box(faces[0]), label)).toBeGreaterThanOrEqual(0.5);
  });

  it('c_thumb,g_face frames the face, and z_ zooms in on it', T, async () => {
    const thumb = await image(`c_thumb,g_face,w_120,h_120/${astronaut}.png`);
    expect([thumb.width, thumb.height]).toEqual([120, 120]);
    // The face fills about half the thumbnail at z_1 (it is found again there), more at z_1.5.
    const [inThumb] = await findFaces(
      new Uint8Array(await (await get(`c_thumb,g_face,w_320,h_320/${astronaut}.png`)).arrayBuffer()),
      limits(),
    );
    expect(inThumb.width / 320).toBeGreaterThan(0.35);
    const [zoomed] = await findFaces(
      new Uint8Array(await (await get(`c_thumb,g_face,w_320,h_320,z_1.5/${astronaut}.png`)).arrayBuffer()),
      limits(),
    );
    expect(zoomed.width).toBeGreaterThan(inThumb.width * 1.2);
  });

  it('g_faces holds every face found in a group wider than the detector input', T, async () => {
    const [largest, second] = await findFaces(fixture('faces-group.jpg'), limits());
    const all = await image(`c_crop,g_faces/${group}.png`);
    const x0 = Math.min(largest.x, second.x);
    const x1 = Math.max(largest.x + largest.width, second.x + second.width);
    expect(all.width).toBe(x1 - x0);
    const one = await image(`c_crop,g_face/${group}.png`);
    expect([one.width, one.height]).toEqual([largest.width, largest.height]);
  });

  it('without a face: g_face falls back to north, g_face:center to the centre, g_face:auto and g_auto:faces to g_auto', T, async () => {
    const crop = (g: string) => image(`c_fill,${g},w_200,h_100/${landscape}.png`);
    expect(same(await crop('g_face'), await crop('g_north'))).toBe(true);
    expect(same(await crop('g_faces'), await crop('g_north'))).toBe(true);
    expect(same(await crop('g_face:center'), await crop('g_center'))).toBe(true);
    expect(same(await crop('g_face:auto'), await crop('g_auto'))).toBe(true);
    expect(same(await crop('g_auto:faces'), await crop('g_auto'))).toBe(true);
    expect(same(await image(`c_auto,w_200,h_100/${landscape}.png`), await crop('g_auto'))).toBe(true);
  });

  it('fc counts the faces, found first when none are on record', T, async () => {
    const fresh = uid('fc');
    await storeImage(fresh, fixture('face-cameraman.jpg'));
    expect((await image(`if_fc_gt_0,c_scale,w_100/${fresh}.png`)).width).toBe(100);
    expect((await image(`if_fc_gt_0,c_scale,w_100/${landscape}.png`)).width).toBe(1152);
  });

  it('c_auto prefers the faces', T, async () => {
    expect(same(await image(`c_auto,w_100,h_300/${astronaut}.png`), await image(`c_fill,g_faces,w_100,h_300/${astronaut}.png`))).toBe(true);
  });

  it('face_coordinates override the detector (clamped to the image)', T, async () => {
    const before = engineStats.faceDetections;
    const face = await image(`c_crop,g_face/${given}.png`);
    expect([face.width, face.height]).toEqual([50, 40]);
    const clamped = await image(`c_crop,g_face/${outside}.png`);
    expect([clamped.width, clamped.height]).toEqual([32, 12]);
    expect(engineStats.faceDetections).toBe(before);
  });

  it('e_pixelate_faces and e_blur_faces change the face and nothing else', T, async () => {
    const plain = await image(`${astronaut}.png`);
    const [f] = await findFaces(fixture('face-astronaut.jpg'), limits());
    for (const effect of ['e_pixelate_faces', 'e_pixelate_faces:20', 'e_blur_faces', 'e_blur_faces:1000']) {
      const out = await image(`${effect}/${astronaut}.png`);
      let inside = 0;
      let outside = 0;
      for (let y = 0; y < out.height; y += 2) {
        for (let x = 0; x < out.width; x += 2) {
          const d = pixel(out, x, y).reduce((n, v, i) => n + Math.abs(v - pixel(plain, x, y)[i]), 0);
          if (x >= f.x && x < f.x + f.width && y >= f.y && y < f.y + f.height) inside += d;
          else outside += d;
        }
      }
      expect(inside, effect).toBeGreaterThan(0);
      expect(outside, effect).toBe(0);
    }
    // After a resize the faces follow the image.
    const small = await image(`w_256/e_pixelate_faces:10/${astronaut}.png`);
    expect(small.width).toBe(256);
  });
});
