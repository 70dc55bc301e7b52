import { readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { CodecSession, type Pixels } from '../../src/engine/codecs/runtime';
import { decodeJpeg, JPEG_SHRINKS } from '../../src/engine/codecs/jpeg/decode';
import { resize } from '../../src/engine/codecs/resize';
import { fixtureBytes } from '../support/fixtures';

/**
 * Pure-Node checks of the codec module against sharp (libvips) as the
 * reference: the same .wasm the Worker imports, compiled here from disk.
 */
// Node compiles WASM from bytes; the Workers types (shared with the sources under test) declare
// WebAssembly.Module abstract because workerd only accepts modules compiled at deploy time.
const CompiledModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const wasm = new CompiledModule(readFileSync(new URL('../../src/engine/codecs/wasm/codecs.wasm', import.meta.url)));
const session = () => new CodecSession(wasm);
const photo = fixtureBytes('photo-1mp.jpg');

async function sharpRgb(img: Sharp) {
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** Box-filter reduction by an integer factor (edge blocks average what they have). */
function boxShrink(img: { data: Uint8Array; width: number; height: number }, k: number) {
  const w = Math.ceil(img.width / k),
    h = Math.ceil(img.height / k);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        let sum = 0,
          n = 0;
        for (let yy = y * k; yy < Math.min(img.height, (y + 1) * k); yy++)
          for (let xx = x * k; xx < Math.min(img.width, (x + 1) * k); xx++, n++) sum += img.data[(yy * img.width + xx) * 3 + c];
        out[(y * w + x) * 3 + c] = Math.round(sum / n);
      }
  return { data: out, width: w, height: h };
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array) {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

const bytesOf = (s: CodecSession, p: Pixels) => s.toRgba(p).filter((_, i) => i % 4 !== 3);

describe('JPEG decoder against sharp', () => {
  it.each(JPEG_SHRINKS)('scale 1/%i matches a full decode reduced with a box filter', async (shrink) => {
    const s = session();
    const ours = decodeJpeg(s, photo, { shrink, channels: 3, maxPixels: 20e6, maxWorkingBytes: 64 << 20 });
    const reference = boxShrink(await sharpRgb(sharp(photo)), shrink);
    expect([ours.width, ours.height]).toEqual([reference.width, reference.height]);
    const mad = meanAbsDiff(bytesOf(s, ours), reference.data);
    expect(mad).toBeLessThan(shrink === 1 ? 0.5 : 2.5);
  });

  // Both convert CMYK through libvips's fallback CMYK profile (ours as a device link, test/unit/colour.test.ts).
  it('decodes CMYK and grayscale files to RGB like sharp', async () => {
    for (const name of ['grayscale.jpg', 'cmyk.jpg']) {
      const bytes = fixtureBytes(name);
      const s = session();
      const ours = decodeJpeg(s, bytes, { shrink: 1, channels: 3, maxPixels: 20e6, maxWorkingBytes: 64 << 20 });
      const reference = await sharpRgb(sharp(bytes).toColourspace('srgb'));
      expect([ours.width, ours.height]).toEqual([reference.width, reference.height]);
      expect(meanAbsDiff(bytesOf(s, ours), reference.data), name).toBeLessThan(name === 'cmyk.jpg' ? 3 : 1);
    }
  });
});

describe('Lanczos-3 resampler against sharp', () => {
  it.each([
    [400, 300],
    [173, 97],
    [1000, 800],
  ])('%ix%i is within a small mean difference of libvips lanczos3', async (w, h) => {
    const s = session();
    const src = decodeJpeg(s, photo, { shrink: 1, channels: 3, maxPixels: 20e6, maxWorkingBytes: 64 << 20 });
    const raw = bytesOf(s, src);
    const ours = resize(s, src, w, h);
    const reference = await sharpRgb(
      sharp(raw, { raw: { width: src.width, height: src.height, channels: 3 } }).resize(w, h, { fit: 'fill', kernel: 'lanczos3' }),
    );
    expect(meanAbsDiff(bytesOf(s, ours), reference.data)).toBeLessThan(1.5);
  });

  // libvips enlarges with its own interpolator whatever the kernel, so an
  // enlargement is checked by its round trip instead: up 2x and back down
  // must give the source again (libvips' own round trip scores 3.6 here).
  it('enlarges faithfully: 2x up then down again returns the source', () => {
    const s = session();
    const src = decodeJpeg(s, photo, { shrink: 1, channels: 3, maxPixels: 20e6, maxWorkingBytes: 64 << 20 });
    const up = resize(s, src, src.width * 2, src.height * 2);
    const back = resize(s, up, src.width, src.height);
    expect(meanAbsDiff(bytesOf(s, back), bytesOf(s, src))).toBeLessThan(2);
  });

  it('resamples a region like sharp extract + resize', async () => {
    const s = session();
    const src = decodeJpeg(s, photo, { shrink: 1, channels: 3, maxPixels: 20e6, maxWorkingBytes: 64 << 20 });
    const raw = bytesOf(s, src);
    const region = { x: 100, y: 50, width: 600, height: 450 };
    const ours = resize(s, src, 200, 150, region);
    const reference = await sharpRgb(
      sharp(raw, { raw: { width: src.width, height: src.height, channels: 3 } })
        .extract({ left: region.x, top: region.y, width: region.width, height: region.height })
        .resize(200, 150, { fit: 'fill', kernel: 'lanczos3' }),
    );
    expect(meanAbsDiff(bytesOf(s, ours), reference.data)).toBeLessThan(1.5);
  });
});
