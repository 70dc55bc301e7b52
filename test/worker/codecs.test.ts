import { describe, expect, it } from 'vitest';
import { CodecError, CodecSession } from '../../src/engine/codecs/runtime';
import { workerdCodecModule } from '../../src/engine/codecs/workerd-module';
import { chooseShrink, decodeJpeg, jpegInfo, JPEG_SHRINKS } from '../../src/engine/codecs/jpeg/decode';
import { encodeJpeg } from '../../src/engine/codecs/jpeg/encode';
import { encodeWebp } from '../../src/engine/codecs/webp/encode';
import { resize } from '../../src/engine/codecs/resize';
import { sniffImage } from '../../src/engine/sniff';
import { fixture } from './support/fixtures';

const open = () => CodecSession.open(workerdCodecModule);
const decodeOpts = { channels: 3 as const, maxPixels: 20_000_000, maxWorkingBytes: 64 << 20 };

describe('codec module inside workerd', () => {
  it('reads the header and decodes at every DCT scale', async () => {
    const s = await open();
    const bytes = fixture('photo-1mp.jpg');
    const info = jpegInfo(s, bytes);
    expect(info).toMatchObject({ width: 1152, height: 864, components: 3, progressive: false });
    for (const shrink of JPEG_SHRINKS) {
      const px = decodeJpeg(s, bytes, { ...decodeOpts, shrink });
      expect([px.width, px.height, px.channels]).toEqual([Math.ceil(1152 / shrink), Math.ceil(864 / shrink), 3]);
      s.free(px);
    }
  });

  it('chooses the largest shrink that still covers the output', () => {
    expect(chooseShrink(6000, 4000, 400, 300)).toBe(8);
    expect(chooseShrink(6000, 4000, 1600, 1067)).toBe(2);
    expect(chooseShrink(6000, 4000, 1500, 1000)).toBe(4);
    expect(chooseShrink(1152, 864, 1600, 1200)).toBe(1);
  });

  it('resizes a region and encodes JPEG (baseline and progressive) and WebP', async () => {
    const s = await open();
    const px = decodeJpeg(s, fixture('photo-1mp.jpg'), { ...decodeOpts, shrink: 2 });
    const small = resize(s, px, 200, 150, { x: 10, y: 10, width: 400, height: 300 });
    s.free(px);
    const jpg = encodeJpeg(s, small, { quality: 80, progressive: false });
    const prog = encodeJpeg(s, small, { quality: 80, progressive: true });
    expect([jpg[0], jpg[1]]).toEqual([0xff, 0xd8]);
    expect(jpegInfo(s, jpg)).toMatchObject({ width: 200, height: 150, progressive: false });
    expect(jpegInfo(s, prog)).toMatchObject({ width: 200, height: 150, progressive: true });
    const webp = encodeWebp(s, small, 80);
    expect(new TextDecoder().decode(webp.subarray(8, 12))).toBe('WEBP');
    expect(webp.length).toBeGreaterThan(500);
  });

  it.each([
    ['truncated.jpg', /Premature end/],
    ['random-bytes.jpg', /Not a JPEG/],
    ['empty.jpg', /Not a JPEG/],
    ['bomb-65500x65500.jpg', /too large/],
  ])('%s fails cleanly and the next decode still works', async (name, message) => {
    const s = await open();
    expect(() => decodeJpeg(s, fixture(name), { ...decodeOpts, shrink: 8 })).toThrow(CodecError);
    expect(() => decodeJpeg(s, fixture(name), { ...decodeOpts, shrink: 8 })).toThrow(message);
    const good = decodeJpeg(s, fixture('photo-1mp.jpg'), { ...decodeOpts, shrink: 8 });
    expect([good.width, good.height]).toEqual([144, 108]);
  });

  it('refuses pixels of an instance that failed', async () => {
    const s = await open();
    const px = decodeJpeg(s, fixture('photo-1mp.jpg'), { ...decodeOpts, shrink: 8 });
    expect(() => decodeJpeg(s, fixture('truncated.jpg'), { ...decodeOpts, shrink: 1 })).toThrow(CodecError);
    expect(() => resize(s, px, 10, 10)).toThrow(/failed codec call/);
  });

  it('frees everything it allocates, so a reused session does not grow', { timeout: 60_000 }, async () => {
    const s = await open();
    const cycle = () => {
      const px = decodeJpeg(s, fixture('photo-1mp.jpg'), { ...decodeOpts, shrink: 4 });
      const small = resize(s, px, 200, 150);
      s.free(px);
      encodeJpeg(s, small, { quality: 80, progressive: true });
      encodeWebp(s, small, 80); // consumes `small`
    };
    cycle();
    const after = s.memoryBytes;
    for (let i = 0; i < 30; i++) cycle(); // a leak of even the 200x150 image would need ~2.7 MB more
    expect(s.memoryBytes).toBe(after);
  });

  it('caps libjpeg working memory with a clean error', async () => {
    const s = await open();
    expect(() => decodeJpeg(s, fixture('progressive.jpg'), { ...decodeOpts, shrink: 1, maxWorkingBytes: 64 * 1024 })).toThrow(CodecError);
    const ok = decodeJpeg(s, fixture('progressive.jpg'), { ...decodeOpts, shrink: 1 });
    expect(ok.width).toBeGreaterThan(0);
  });

  it('keeps only the scaled coefficients of a progressive file: 1/8 fits a cap that 1/1 does not', async () => {
    const s = await open();
    const bytes = fixture('progressive.jpg');
    const coefficients = sniffImage(bytes)?.coefficientBytes;
    if (!coefficients) throw new Error('no coefficient sizes');
    // libjpeg's cap sits between what 1/8 and 1/1 keep: the whole-image arrays fail, the compact store passes.
    const cap = Math.floor((coefficients[1] + coefficients[8]) / 2);
    expect(() => decodeJpeg(s, bytes, { ...decodeOpts, shrink: 1, maxWorkingBytes: cap })).toThrow(CodecError);
    const small = decodeJpeg(s, bytes, { ...decodeOpts, shrink: 8, maxWorkingBytes: cap });
    const info = jpegInfo(s, bytes);
    expect(small.width).toBe(Math.ceil(info.width / 8));
    // Cut short in its refinement scans: a clean error (warnings are errors here), and the store is gone with it.
    expect(() => decodeJpeg(s, bytes.subarray(0, Math.floor(bytes.length * 0.6)), { ...decodeOpts, shrink: 8 })).toThrow(CodecError);
    expect(decodeJpeg(s, bytes, { ...decodeOpts, shrink: 8, maxWorkingBytes: cap }).width).toBe(small.width);
  });
});
