import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { detectFaces, detectorSize, type DetectedFace } from '../../src/engine/faces/detect';
import { loadWeights } from '../../src/engine/faces/network';
import { planGeometry } from '../../src/engine/geometry';
import { parseTransformation } from '../../src/engine/parse';
import type { Area } from '../../src/engine/types';
import labels from '../fixtures/faces-labels.json';

/** The face detector on real photos with hand-checked boxes (test/fixtures/faces-labels.json, SOURCES.md). */
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const MODEL = '../../src/engine/faces/model/tiny_face_detector_model';
const weights = loadWeights(JSON.parse(readFileSync(here(`${MODEL}.json`), 'utf8')), new Uint8Array(readFileSync(here(`${MODEL}.bin`))));

async function pixels(name: string) {
  const { data, info } = await sharp(here(`../fixtures/${name}`))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const iou = (a: Area, b: Area) => {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / (a.width * a.height + b.width * b.height - w * h);
};
const box = ([x, y, width, height]: number[]): Area => ({ x, y, width, height });
const contains = (outer: Area, inner: Area) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height;

describe('face detection on labelled photos', { timeout: 120_000 }, () => {
  const found = new Map<string, DetectedFace[]>();
  const detect = async (name: string) => {
    if (!found.has(name)) found.set(name, detectFaces(weights, await pixels(name)));
    return found.get(name)!;
  };

  it('finds each single portrait at IoU >= 0.5 with its hand-checked box, and nothing else', async () => {
    for (const name of ['face-astronaut.jpg', 'face-cameraman.jpg', 'face-hopper.jpg'] as const) {
      const faces = await detect(name);
      expect(faces, name).toHaveLength(1);
      expect(iou(faces[0], box(labels.faces[name][0])), name).toBeGreaterThanOrEqual(0.5);
      expect(faces[0].score).toBeGreaterThan(0.5);
    }
  });

  it('finds nothing in photos without people', async () => {
    for (const name of labels.noFaces) expect(await detect(name), name).toEqual([]);
  });

  it('reads a wide group photo larger than its input through the reduced copy, largest face first', async () => {
    const faces = await detect('faces-group.jpg');
    const truth = labels.faces['faces-group.jpg'].map(box);
    // Every detection is a labelled face (precision); the two larger faces are found, the smallest (61 px high, 20 px at the input) is not.
    for (const f of faces) expect(Math.max(...truth.map((t) => iou(f, t)))).toBeGreaterThanOrEqual(0.5);
    expect(faces.length).toBe(2);
    expect(faces[0].width * faces[0].height).toBeGreaterThan(faces[1].width * faces[1].height);
  });

  it('precision and recall at IoU 0.5 over the labelled set', async () => {
    let tp = 0;
    let fp = 0;
    let positives = 0;
    for (const [name, list] of Object.entries(labels.faces)) {
      const truth = list.map(box);
      positives += truth.length;
      const matched = new Set<number>();
      for (const f of await detect(name)) {
        const best = truth.map((t, i) => [iou(f, t), i] as const).sort((a, b) => b[0] - a[0])[0];
        if (best && best[0] >= 0.5 && !matched.has(best[1])) {
          matched.add(best[1]);
          tp++;
        } else fp++;
      }
    }
    for (const name of labels.noFaces) fp += (await detect(name)).length;
    const precision = tp / (tp + fp);
    const recall = tp / positives;
    console.log(`faces: ${tp} of ${positives} found, ${fp} false; precision ${precision.toFixed(2)}, recall ${recall.toFixed(2)}`);
    expect(precision).toBeGreaterThanOrEqual(0.9);
    expect(recall).toBeGreaterThanOrEqual(0.8);
  });

  it('crops with g_face, g_faces and c_thumb hold every face they are about', async () => {
    for (const name of ['face-astronaut.jpg', 'face-cameraman.jpg', 'face-hopper.jpg', 'faces-group.jpg'] as const) {
      const img = await pixels(name);
      const faces = await detect(name);
      const all = {
        x: Math.min(...faces.map((f) => f.x)),
        y: Math.min(...faces.map((f) => f.y)),
        width: Math.max(...faces.map((f) => f.x + f.width)) - Math.min(...faces.map((f) => f.x)),
        height: Math.max(...faces.map((f) => f.y + f.height)) - Math.min(...faces.map((f) => f.y)),
      };
      const geo = (t: string, area: Area) => {
        const params = { ...parseTransformation(t).components[0].params, g: { kind: 'area' as const, area } };
        return planGeometry({ width: img.width, height: img.height, params, dpr: 1 }).region;
      };
      // A window holds the area whenever one of its size can; one too small for it (c_crop,w_400,h_300 around a larger face) is centred on it.
      const holds = (win: Area, a: Area, what: string) => {
        if (win.width >= a.width && win.height >= a.height) expect(contains(win, a), what).toBe(true);
        else expect(contains(win, { x: a.x + a.width / 2, y: a.y + a.height / 2, width: 0, height: 0 }), what).toBe(true);
      };
      for (const t of ['c_thumb,w_150,h_150', 'c_thumb,w_300,h_100', 'c_fill,w_200,h_300', 'c_crop,w_400,h_300', 'c_crop']) {
        holds(geo(t, faces[0]), faces[0], `${name} ${t} g_face`);
        holds(geo(t, all), all, `${name} ${t} g_faces`);
        // The hand-checked box of the same face is held too where the window is roomy (the detector's box is not the only judge).
        const labelled = labels.faces[name].map(box).sort((a, b) => iou(b, faces[0]) - iou(a, faces[0]))[0];
        const win = geo(t, faces[0]);
        if (win.width >= 1.2 * faces[0].width && win.height >= 1.2 * faces[0].height)
          expect(contains(win, labelled), `${name} ${t}`).toBe(true);
      }
      // z_ zooms around the face: z_2 takes a window half as wide, still holding the face.
      const z1 = geo('c_thumb,w_150,h_150', faces[0]);
      const z2 = geo('c_thumb,w_150,h_150,z_2', faces[0]);
      if (z1.width < img.width && z1.height < img.height) expect(z2.width).toBeLessThan(z1.width);
      expect(
        contains(z2, { ...faces[0], x: faces[0].x + 1, y: faces[0].y + 1, width: faces[0].width - 2, height: faces[0].height - 2 }),
      ).toBe(true);
    }
  });

  it('sizes the network input to the image: about 320x320 pixels, sides multiples of 32', () => {
    expect(detectorSize(512, 512)).toEqual({ width: 320, height: 320 });
    expect(detectorSize(1600, 600)).toEqual({ width: 512, height: 192 });
    const long = detectorSize(20000, 100);
    expect(long.height).toBe(64);
    expect(long.width * long.height).toBeLessThanOrEqual(320 * 320 + 64 * 32);
    // A small image is enlarged to the input (a 100 px avatar's face becomes large enough to find).
    expect(detectorSize(100, 100)).toEqual({ width: 320, height: 320 });
  });
});
