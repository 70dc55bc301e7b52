import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CodecSession } from '../../src/engine/codecs/runtime';
import { decodePngIn, type PngRowsExports } from '../../src/engine/codecs/png-rows';
import { readEmbeddedProfile } from '../../src/engine/codecs/icc-profile';
import { chunk, riffChunks, riffFile } from '../../src/engine/codecs/webp/container';
import { profileKind, rgbaToSrgb, ICC_STRIP_PIXELS } from '../../src/engine/codecs/icc-rows';
import { fixtureBytes } from '../support/fixtures';

/**
 * PNG and WebP sources with embedded profiles (Adobe RGB, Display P3; made by
 * test/fixtures/make-icc-sources.mjs) decoded by our own decoders, their
 * profile read from the file and the rows converted by the codec module,
 * against libvips's colour-managed sRGB rendering (sharp `toColourspace('srgb')`).
 */
const CompiledModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
const wasm = new CompiledModule(readFileSync(new URL('../../src/engine/codecs/wasm/codecs.wasm', import.meta.url)));
/** The engine's PNG row reader on a fresh instance of the module (Node cannot import the WASM as workerd does). */
const decodePngReduced = async (png: Uint8Array, shrink: number) => decodePngIn(new CodecSession<PngRowsExports>(wasm), png, shrink);

interface Rgba {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The PNG with its iCCP chunk replaced by one holding `icc`. */
function withIccp(png: Uint8Array, icc: Uint8Array): Uint8Array {
  const body = Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflateSync(icc)]);
  const chunk = Buffer.alloc(12 + body.length);
  chunk.writeUInt32BE(body.length, 0);
  chunk.write('iCCP', 4, 'latin1');
  body.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + body.length)), 8 + body.length);
  const parts: Uint8Array[] = [png.subarray(0, 8)];
  for (let o = 8; o + 12 <= png.length;) {
    const len = Buffer.from(png.buffer, png.byteOffset + o, 4).readUInt32BE(0);
    const kind = Buffer.from(png.subarray(o + 4, o + 8)).toString('latin1');
    if (kind !== 'iCCP') parts.push(png.subarray(o, o + 12 + len));
    if (kind === 'IHDR') parts.push(chunk);
    o += 12 + len;
  }
  return new Uint8Array(Buffer.concat(parts));
}

async function reference(bytes: Uint8Array): Promise<Rgba> {
  const { data, info } = await sharp(bytes).toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** libwebp through the module, as the engine decodes a still WebP (full size here). */
function decodeWebp(s: CodecSession, bytes: Uint8Array, width: number, height: number): Rgba {
  const ptr = s.copyIn(bytes);
  const [out, w, h] = s.results(
    s.call((x) => x.webp_decode(ptr, bytes.length, width, height)),
    3,
  );
  return { data: s.copyOut(out, w * h * 4), width: w, height: h };
}

async function decodeSource(s: CodecSession, name: string): Promise<Rgba> {
  const bytes = fixtureBytes(name);
  if (name.endsWith('.png')) return decodePngReduced(bytes, 1);
  const { width, height } = (await sharp(bytes).metadata()) as { width: number; height: number };
  return decodeWebp(s, bytes, width, height);
}

/** Mean absolute difference over RGB, and the largest alpha difference. */
function compare(a: Rgba, b: Rgba) {
  expect(`${a.width}x${a.height}`).toBe(`${b.width}x${b.height}`);
  let sum = 0;
  let alpha = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    for (let c = 0; c < 3; c++) sum += Math.abs(a.data[i + c] - b.data[i + c]);
    alpha = Math.max(alpha, Math.abs(a.data[i + 3] - b.data[i + 3]));
  }
  return { mad: sum / ((a.data.length / 4) * 3), alpha };
}

describe('colour management of PNG and WebP sources against libvips', () => {
  it.each([
    ['adobergb-icc.png', 'matrixShaper'],
    ['p3-alpha.png', 'matrixShaper'],
    ['adobergb-icc.webp', 'matrixShaper'],
    ['p3-alpha.webp', 'matrixShaper'],
  ])(
    '%s converts to within a mean difference of 3 of sharp sRGB, alpha untouched',
    async (name, kind) => {
      const s = new CodecSession(wasm);
      const img = await decodeSource(s, name);
      const profile = await readEmbeddedProfile(fixtureBytes(name), name.endsWith('.png') ? 'png' : 'webp');
      expect(profile.ignored).toBeUndefined();
      expect(profileKind(s, profile.icc!)).toBe(kind);
      const asDecoded = img.data.slice();
      expect(rgbaToSrgb(s, img, profile.icc!)).toBe(true);
      const ref = await reference(fixtureBytes(name));
      const { mad, alpha } = compare(img, ref);
      expect(mad).toBeLessThan(3);
      // The conversion did something (the source's own numbers are further off), and alpha is as decoded.
      expect(compare({ ...img, data: asDecoded }, ref).mad).toBeGreaterThan(mad + 1);
      for (let i = 3; i < img.data.length; i += 4) if (img.data[i] !== asDecoded[i]) expect.fail(`alpha changed at ${i}`);
      expect(alpha).toBe(0);
    },
    30_000,
  );

  it('takes a table-based (LUT) profile through its tables, within a mean difference of 3 of libvips', async () => {
    const lut = new Uint8Array(fixtureBytes('adobergb-lut.icc'));
    const png = withIccp(fixtureBytes('adobergb-icc.png'), lut);
    expect((await readEmbeddedProfile(png, 'png')).icc).toEqual(lut);
    const s = new CodecSession(wasm);
    expect(profileKind(s, lut)).toBe('tables');
    const img = await decodePngReduced(png, 1);
    expect(rgbaToSrgb(s, img, lut)).toBe(true);
    const mad = compare(img, await reference(png)).mad;
    expect(mad).toBeLessThan(3);
    // The same Adobe RGB sampled on a 17-point grid (of gamma-encoded values, so coarse in the darks): near the matrix-shaper result.
    expect(compare(img, await reference(fixtureBytes('adobergb-icc.png'))).mad).toBeLessThan(3);
  }, 30_000);

  it('converts in strips as in one piece, and leaves pixels alone for unusable or sRGB profiles', async () => {
    const s = new CodecSession(wasm);
    const icc = (await readEmbeddedProfile(fixtureBytes('adobergb-icc.png'), 'png')).icc!;
    // More pixels than one strip: a wide image made of the fixture's rows repeated.
    const src = await decodePngReduced(fixtureBytes('adobergb-icc.png'), 1);
    const rows = Math.ceil((ICC_STRIP_PIXELS * 2.5) / src.width);
    const big = { data: new Uint8Array(src.width * rows * 4), width: src.width, height: rows };
    for (let y = 0; y < rows; y++)
      big.data.set(src.data.subarray((y % src.height) * src.width * 4, ((y % src.height) + 1) * src.width * 4), y * src.width * 4);
    expect(rgbaToSrgb(s, big, icc)).toBe(true);
    expect(rgbaToSrgb(s, src, icc)).toBe(true);
    const last = rows - 1;
    const at = (last % src.height) * src.width * 4;
    expect(big.data.subarray(last * src.width * 4, (last + 1) * src.width * 4)).toEqual(src.data.subarray(at, at + src.width * 4));
    // Garbage, a truncated profile, a grey one and sRGB itself: the pixels stay as decoded.
    const garbage = new Uint8Array(600).map((_, i) => (i * 37) & 255);
    const srgb = new Uint8Array(
      await sharp({ create: { width: 2, height: 2, channels: 3, background: '#808080' } })
        .withIccProfile('srgb')
        .png()
        .toBuffer(),
    );
    const srgbIcc = (await readEmbeddedProfile(srgb, 'png')).icc!;
    for (const [what, bad, kind] of [
      ['garbage', garbage, 'unusable'],
      ['truncated', icc.subarray(0, 200), 'unusable'],
      ['sRGB', srgbIcc, 'srgb'],
    ] as const) {
      const img = await decodePngReduced(fixtureBytes('adobergb-icc.png'), 2);
      const before = img.data.slice();
      expect(profileKind(s, bad), what).toBe(kind);
      expect(rgbaToSrgb(s, img, bad), what).toBe(false);
      expect(img.data, what).toEqual(before);
    }
    expect(s.live).toBe(true);
  }, 30_000);

  it('ignores profiles over 4 MB, inflated (PNG) or stored (WebP), saying why', async () => {
    const huge = new Uint8Array(5 << 20);
    const png = withIccp(fixtureBytes('adobergb-icc.png'), huge);
    expect((await readEmbeddedProfile(png, 'png')).ignored).toContain('inflates beyond');
    const webp = riffFile(riffChunks(fixtureBytes('adobergb-icc.webp')).map((c) => (c.tag === 'ICCP' ? chunk('ICCP', huge) : c.bytes)));
    expect((await readEmbeddedProfile(webp, 'webp')).ignored).toContain('larger than');
    // What the PNG's inflation was charged: its parts as they came, then the joined copy, never more than the limit twice.
    let charged = 0;
    const kept = await readEmbeddedProfile(fixtureBytes('adobergb-icc.png'), 'png', (n) => (charged += n));
    expect(charged).toBe(2 * kept.icc!.length);
  });
});
