import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CodecSession } from '../../src/engine/codecs/runtime';
import { decodeJpeg } from '../../src/engine/codecs/jpeg/decode';
import { fixtureBytes } from '../support/fixtures';

/**
 * Colour management in the codec module (Little CMS) against libvips's
 * colour-managed sRGB rendering (sharp: the embedded profile, or libvips's
 * fallback CMYK profile, perceptual intent), at full size and after
 * shrink-on-load, decoding whole and in RGBA.
 */
const CompiledModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const wasm = new CompiledModule(readFileSync(new URL('../../src/engine/codecs/wasm/codecs.wasm', import.meta.url)));

async function reference(bytes: Uint8Array, width?: number) {
  const img = sharp(bytes).toColourspace('srgb');
  const { data } = await (width ? img.resize(width, undefined, { kernel: 'nearest' }) : img)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array) {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

const decodeRgb = (bytes: Uint8Array, channels: 3 | 4 = 3) => {
  const s = new CodecSession(wasm);
  const p = decodeJpeg(s, bytes, { shrink: 1, channels, maxPixels: 20e6, maxWorkingBytes: 64 << 20 });
  return s.toRgba(p).filter((_, i) => i % 4 !== 3);
};

describe('colour management against libvips', () => {
  it.each(['cmyk.jpg', 'adobergb-icc.jpg'])(
    '%s decodes within a mean difference of 3 of sharp sRGB',
    async (name) => {
      const bytes = fixtureBytes(name);
      const mad = meanAbsDiff(decodeRgb(bytes), await reference(bytes));
      expect(mad).toBeLessThan(3);
    },
    30_000,
  );
});

describe('colour management paths', () => {
  it('converts an embedded Display P3 profile (made by sharp from an sRGB photo) back to sRGB', async () => {
    const p3 = new Uint8Array(await sharp(fixtureBytes('photo-1mp.jpg')).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer());
    const mad = meanAbsDiff(decodeRgb(p3), await reference(p3));
    expect(mad).toBeLessThan(1);
    // Read without its profile, a P3 file looks different: the conversion did something.
    const raw = new Uint8Array((await sharp(p3).keepIccProfile().raw().toBuffer()).buffer);
    expect(meanAbsDiff(decodeRgb(p3), raw.subarray(0, decodeRgb(p3).length))).toBeGreaterThan(1);
  }, 30_000);

  it('gives the same pixels in RGB and RGBA, CMYK included (alpha opaque)', () => {
    for (const name of ['cmyk.jpg', 'adobergb-icc.jpg']) {
      const bytes = fixtureBytes(name);
      const s = new CodecSession(wasm);
      const rgba = s.toRgba(decodeJpeg(s, bytes, { shrink: 2, channels: 4, maxPixels: 20e6, maxWorkingBytes: 64 << 20 }));
      expect(
        rgba.filter((_, i) => i % 4 === 3).find((a) => a !== 255),
        name,
      ).toBeUndefined();
      const s3 = new CodecSession(wasm);
      const rgb = s3.toRgba(decodeJpeg(s3, bytes, { shrink: 2, channels: 3, maxPixels: 20e6, maxWorkingBytes: 64 << 20 }));
      expect(rgba.length).toBe(rgb.length);
      expect(
        rgba.findIndex((v, i) => v !== rgb[i]),
        name,
      ).toBe(-1);
    }
  }, 30_000);
});
