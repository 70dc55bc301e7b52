import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';
import { serve, startOrigin, type Origin } from '../support/origin';
import labels from '../fixtures/faces-labels.json';

/** Faces through the SDK: detected at upload, answered by upload, explicit and the Admin API, replaced by face_coordinates. */
const photo = (name: string) =>
  `data:image/jpeg;base64,${readFileSync(new URL(`../fixtures/${name}`, import.meta.url)).toString('base64')}`;
const iou = ([ax, ay, aw, ah]: number[], [bx, by, bw, bh]: number[]) => {
  const w = Math.min(ax + aw, bx + bw) - Math.max(ax, bx);
  const h = Math.min(ay + ah, by + bh) - Math.max(ay, by);
  return w <= 0 || h <= 0 ? 0 : (w * h) / (aw * ah + bw * bh - w * h);
};

describe('faces through the SDK', async () => {
  const { cloudinary } = await loadSdk();

  it('upload with faces=true answers the detected faces, kept for explicit, the Admin API and g_face', async () => {
    const id = uid('hopper');
    const r = await cloudinary.uploader.upload(photo('face-hopper.jpg'), { public_id: id, faces: true });
    expect(r.faces).toHaveLength(1);
    expect(iou(r.faces[0], labels.faces['face-hopper.jpg'][0])).toBeGreaterThanOrEqual(0.5);
    expect(r.coordinates).toEqual({ faces: r.faces });
    const details = await cloudinary.api.resource(id, { faces: true });
    expect(details.faces).toEqual(r.faces);
    expect(details.coordinates).toEqual({ faces: r.faces });
    const explicit = await cloudinary.uploader.explicit(id, { type: 'upload', faces: true });
    expect(explicit.faces).toEqual(r.faces);
    const [x, y, w, h] = r.faces[0];
    const crop = await fetch(cloudinary.url(`${id}.png`, { secure: false, crop: 'crop', gravity: 'face' }));
    expect(crop.status).toBe(200);
    const png = new DataView(await crop.arrayBuffer());
    expect([png.getUint32(16), png.getUint32(20)]).toEqual([w, h]);
    expect(x + w).toBeLessThanOrEqual(r.width);
    expect(y + h).toBeLessThanOrEqual(r.height);
  });

  it('a photo without people answers no faces; face_coordinates given later replace the detected ones', async () => {
    const id = uid('landscape');
    const r = await cloudinary.uploader.upload(photo('photo-1mp.jpg'), { public_id: id, faces: true });
    expect(r.faces).toEqual([]);
    expect(r).not.toHaveProperty('coordinates');
    await cloudinary.api.update(id, { face_coordinates: [[100, 100, 200, 150]] });
    expect((await cloudinary.api.resource(id, { faces: true })).faces).toEqual([[100, 100, 200, 150]]);
  });

  describe('a fetched image', () => {
    let origin: Origin;
    beforeAll(async () => {
      origin = await startOrigin();
    });
    afterAll(() => origin.close());

    it('g_face finds the face of a remote image and crops to it', async () => {
      const path = `/${uid()}/astronaut.jpg`;
      origin.route(path, serve(readFileSync(new URL('../fixtures/face-astronaut.jpg', import.meta.url)), { 'Content-Type': 'image/jpeg' }));
      const url = cloudinary.url(origin.url + path, { ...LOCAL_URL, type: 'fetch', crop: 'crop', gravity: 'face', fetch_format: 'png' });
      const res = await fetch(url);
      expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
      const png = new DataView(await res.arrayBuffer());
      const [w, h] = [png.getUint32(16), png.getUint32(20)];
      // The hand-checked face is 118x92; the detector's box is a little larger (138x119).
      const [, , lw, lh] = labels.faces['face-astronaut.jpg'][0];
      expect(w).toBeGreaterThanOrEqual(lw);
      expect(w).toBeLessThan(lw * 1.4);
      expect(h).toBeGreaterThanOrEqual(lh);
      expect(h).toBeLessThan(lh * 1.5);
    });
  });
});
