/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import { PhotonImage, resize, SamplingFilter } from '@cf-wasm/photon';
import { decodeRgba, shrink, type Rgba } from '../../src/engine/analysis/raster';
import { hammingDistance, phash } from '../../src/engine/analysis/phash';
import { analyseColors, colorName } from '../../src/engine/analysis/colors';
import { focusScore } from '../../src/engine/analysis/sharpness';
import { readImageMetadata } from '../../src/services/analysis/metadata';
import { analyse, semanticFields } from '../../src/services/analysis/semantic';

/** Fixture bytes, bundled by Vite as data URLs (workerd has no file system; `?arraybuffer` is not a Vite query). */
const FILES = import.meta.glob('../fixtures/*.{jpg,png,webp,avif}', { query: '?inline', import: 'default', eager: true }) as Record<
  string,
  string
>;
function fixture(name: string): ArrayBuffer {
  const url = FILES[`../fixtures/${name}`];
  if (url === undefined) throw new Error(`no fixture ${name}`);
  return Uint8Array.from(atob(url.slice(url.indexOf(',') + 1)), (c) => c.charCodeAt(0)).buffer;
}
const photo = fixture('photo-1mp.jpg');
const palette = fixture('palette.png');
const leaves = fixture('progressive.jpg');
const cups = fixture('photo-3mp-exif.jpg');
const alpha = fixture('alpha.png');

const MAX = 25_000_000;
const rgba = (buf: ArrayBuffer) => decodeRgba(new Uint8Array(buf), MAX);
const hashOf = async (buf: ArrayBuffer | Uint8Array) => phash(await decodeRgba(new Uint8Array(buf), MAX));

/** The same photo, half the size and re-encoded as a low-quality JPEG. */
function reencoded(buf: ArrayBuffer): Uint8Array {
  const img = PhotonImage.new_from_byteslice(new Uint8Array(buf));
  const small = resize(img, Math.round(img.get_width() / 2), Math.round(img.get_height() / 2), SamplingFilter.Triangle);
  const out = small.get_bytes_jpeg(40);
  img.free();
  small.free();
  return out;
}

const solid = (w: number, h: number, [r, g, b, a]: number[]): Rgba => {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < data.length; i += 4) data.set([r, g, b, a], i);
  return { width: w, height: h, data };
};

// Decoding several photos (AVIF is slow to decode) takes seconds on a loaded machine.
describe('pHash', { timeout: 60_000 }, () => {
  it('is 64 bits in 16 hex digits and deterministic', async () => {
    const base = await hashOf(photo);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(await hashOf(photo)).toBe(base);
  });

  it('near-identical images are a few bits apart, unrelated ones many', async () => {
    const base = await hashOf(photo);
    const resized = await hashOf(reencoded(photo));
    const dithered = await hashOf(palette); // the same source, 800x600, 256-colour palette
    const unrelatedA = await hashOf(leaves);
    const unrelatedB = await hashOf(cups);
    const near = [hammingDistance(base, resized), hammingDistance(base, dithered)];
    const far = [hammingDistance(base, unrelatedA), hammingDistance(base, unrelatedB), hammingDistance(unrelatedA, unrelatedB)];
    for (const d of near) expect(d).toBeLessThanOrEqual(8);
    for (const d of far) expect(d).toBeGreaterThanOrEqual(20);
  });

  it('reads AVIF too: the same picture as AVIF and as lossy WebP hashes alike', async () => {
    const avif = await hashOf(fixture('photo.avif'));
    const webp = await hashOf(fixture('lossy.webp'));
    expect(hammingDistance(avif, webp)).toBeLessThanOrEqual(8);
    expect(hammingDistance(avif, await hashOf(leaves))).toBeGreaterThanOrEqual(20);
  });

  it('counts differing bits', () => {
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(() => hammingDistance('xyz', '0000000000000000')).toThrow();
  });
});

describe('colours', { timeout: 30_000 }, () => {
  it('a solid image is one colour at 100 %, named', () => {
    const c = analyseColors(solid(40, 30, [255, 0, 0, 255]));
    expect(c.colors).toEqual([['#FF0000', 100]]);
    expect(c.predominant.google).toEqual([['red', 100]]);
  });

  it('two halves give two colours of 50 % each; transparent pixels do not count', () => {
    const img = solid(40, 40, [0, 0, 255, 255]);
    for (let i = 0; i < img.data.length / 2; i += 4) img.data.set([255, 255, 255, 255], i);
    const c = analyseColors(img);
    expect(c.colors).toHaveLength(2);
    expect(c.colors).toEqual(
      expect.arrayContaining([
        ['#0000FF', 50],
        ['#FFFFFF', 50],
      ]),
    );
    const clear = solid(10, 10, [0, 255, 0, 0]);
    expect(analyseColors(clear)).toEqual({ colors: [], predominant: { google: [] } });
  });

  it('a photo gives 32 leading colours, most frequent first, summing to about 100 %', async () => {
    const c = analyseColors(await rgba(photo));
    expect(c.colors).toHaveLength(32);
    for (const [hex, pct] of c.colors) {
      expect(hex).toMatch(/^#[0-9A-F]{6}$/);
      expect(pct).toBeGreaterThan(0);
    }
    const shares = c.colors.map(([, p]) => p);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(100, -0.5);
    const names = c.predominant.google.map(([n]) => n);
    expect(names.length).toBeGreaterThan(1);
    expect(c.predominant.google.reduce((a, [, p]) => a + p, 0)).toBeCloseTo(100, -0.5);
  });

  it('names colours by hue, saturation and value', () => {
    expect(colorName([10, 10, 10])).toBe('black');
    expect(colorName([250, 250, 250])).toBe('white');
    expect(colorName([128, 128, 128])).toBe('gray');
    expect(colorName([40, 200, 40])).toBe('green');
    expect(colorName([30, 60, 220])).toBe('blue');
    expect(colorName([240, 220, 30])).toBe('yellow');
    expect(colorName([120, 70, 20])).toBe('brown');
    expect(colorName([20, 170, 170])).toBe('teal');
  });
});

describe('image metadata', () => {
  it('reads EXIF, GPS, IPTC and XMP of a camera photo as strings', async () => {
    const m = await readImageMetadata(new Uint8Array(cups));
    expect(m.Make).toMatch(/SONY/i);
    expect(m.Model).toMatch(/NEX-3N/);
    expect(m.ExposureTime).toMatch(/^1\/\d+$|^\d/);
    expect(m.DateTimeOriginal).toMatch(/^\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(Number(m.GPSLatitude?.split(',')[0])).toBe(60);
    expect(m.GPSLatitudeRef).toMatch(/N/);
    expect(Object.keys(m).some((k) => /By-?line|Creator|Rights|Copyright/i.test(k))).toBe(true);
    for (const v of Object.values(m)) expect(typeof v).toBe('string');
  });

  it('a file without metadata has none, and garbage is not an error', async () => {
    expect(await readImageMetadata(new Uint8Array(photo))).toEqual({});
    expect(await readImageMetadata(new TextEncoder().encode('not an image'))).toEqual({});
  });
});

describe('analyse', { timeout: 30_000 }, () => {
  it('computes only what was asked and answers in Cloudinary names', async () => {
    const req = { colors: false, phash: true, imageMetadata: false, exif: true, faces: true, qualityAnalysis: false };
    const data = await analyse(new Uint8Array(cups), req, { maxDecodePixels: MAX, maxOutputPixels: MAX }, true);
    const fields = semanticFields(data, req);
    expect(Object.keys(fields).sort()).toEqual(['exif', 'faces', 'phash']);
    expect(fields.faces).toEqual([]);
    expect(fields.phash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses to decode beyond the pixel limit', async () => {
    const req = { colors: true, phash: false, imageMetadata: false, exif: false, faces: false, qualityAnalysis: false };
    await expect(analyse(new Uint8Array(cups), req, { maxDecodePixels: 1_000_000, maxOutputPixels: MAX }, true)).rejects.toThrow(
      /too large/,
    );
  });

  it('area-averages when shrinking, and sees transparency as white', async () => {
    const img = await rgba(alpha);
    const s = shrink(img, 10, 10);
    expect([s.width, s.height]).toEqual([10, 10]);
    expect(phash(img)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('quality_analysis focus', { timeout: 30_000 }, () => {
  /** The photo shrunk to an eighth and enlarged back: the same scene, its detail gone. */
  function blurred(buf: ArrayBuffer): Uint8Array {
    const img = PhotonImage.new_from_byteslice(new Uint8Array(buf));
    const w = img.get_width();
    const h = img.get_height();
    const small = resize(img, Math.round(w / 8), Math.round(h / 8), SamplingFilter.Triangle);
    const back = resize(small, w, h, SamplingFilter.Triangle);
    const out = back.get_bytes();
    for (const i of [img, small, back]) i.free();
    return out;
  }

  it('scores a sharp photo high, the same photo blurred low, and a flat image 0', async () => {
    const sharp = focusScore(await rgba(photo));
    const soft = focusScore(await decodeRgba(blurred(photo), MAX));
    expect(sharp).toBeGreaterThan(0.5);
    expect(soft).toBeLessThan(sharp / 2);
    expect(soft).toBeGreaterThanOrEqual(0);
    expect(focusScore(solid(64, 64, [90, 120, 200, 255]))).toBe(0);
  });

  it('is computed with the other semantic data and answered as {focus}', async () => {
    const req = { colors: false, phash: false, imageMetadata: false, exif: false, faces: false, qualityAnalysis: true };
    const fields = semanticFields(await analyse(new Uint8Array(photo), req, { maxDecodePixels: MAX, maxOutputPixels: MAX }, true), req);
    expect(Object.keys(fields)).toEqual(['quality_analysis']);
    const qa = fields.quality_analysis as { focus: number };
    expect(qa.focus).toBeGreaterThan(0);
    expect(qa.focus).toBeLessThanOrEqual(1);
  });
});
