import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { engineStats } from '../../src/engine/engine';
import { readEmbeddedProfile } from '../../src/engine/codecs/icc-profile';
import { chunk, riffChunks, riffFile } from '../../src/engine/codecs/webp/container';
import { crc32 } from '../../src/engine/metadata';
import { concat } from '../../src/engine/bytes';
import type { Raster } from '../../src/engine/raster';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, dims, encodePng, meanDiff } from './support/images';
import { ICC_CONVERT_BYTES, ICC_CONVERT_OPS } from '../../src/engine/costs';
import { rgbaToSrgb } from '../../src/engine/codecs/icc-rows';
import { withCodecSession } from '../../src/engine/codecs/pipeline';

/**
 * PNG and WebP sources with embedded profiles (Adobe RGB, Display P3: made by
 * test/fixtures/make-icc-sources.mjs) come out in sRGB, within a mean
 * difference of 3 of libvips's colour-managed rendering of the JPEGs they
 * were made from (the references of test/worker/colour.test.ts).
 */
const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 120_000 };
const latin1 = (b: Uint8Array) => new TextDecoder('latin1').decode(b);
const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];

const REFERENCE: Record<string, string> = {
  'adobergb-icc.png': 'ref-adobergb-icc-srgb-w300.png',
  'adobergb-icc.webp': 'ref-adobergb-icc-srgb-w300.png',
  'p3-alpha.png': 'ref-p3-photo-srgb-w300.png',
  'p3-alpha.webp': 'ref-p3-photo-srgb-w300.png',
};

async function thumbnail(bytes: Uint8Array, extra = ''): Promise<{ out: Uint8Array; profile: string; ops: number; peak: number }> {
  const id = uid('cpw');
  await storeImage(id, bytes);
  const res = await get(`c_scale,w_300${extra}/${id}.png`);
  expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
  const out = await bytesOf(res);
  return { out, profile: engineStats.lastSourceProfile, ops: engineStats.lastWorkOps, peak: engineStats.lastPeakBytes };
}

/** The PNG with its iCCP chunk (if any) replaced by one with this body (name, method, compressed data); undefined removes it. */
function withIccp(png: Uint8Array, body?: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [png.subarray(0, 8)];
  for (let o = 8; o + 12 <= png.length;) {
    const len = u32(png, o);
    const kind = latin1(png.subarray(o + 4, o + 8));
    if (kind !== 'iCCP') parts.push(png.subarray(o, o + 12 + len));
    if (kind === 'IHDR' && body) {
      const c = new Uint8Array(12 + body.length);
      new DataView(c.buffer).setUint32(0, body.length);
      c.set(new TextEncoder().encode('iCCP'), 4);
      c.set(body, 8);
      new DataView(c.buffer).setUint32(8 + body.length, crc32(c.subarray(4, 8 + body.length)));
      parts.push(c);
    }
    o += 12 + len;
  }
  return concat(parts);
}

const deflate = async (b: Uint8Array) =>
  new Uint8Array(await new Response(new Blob([b]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer());
const iccpBody = (zipped: Uint8Array) => new Uint8Array([...new TextEncoder().encode('icc'), 0, 0, ...zipped]);

/** The WebP with its ICCP chunk's payload replaced. */
function withIccpWebp(webp: Uint8Array, payload: Uint8Array): Uint8Array {
  return riffFile(riffChunks(webp).map((c) => (c.tag === 'ICCP' ? chunk('ICCP', payload) : c.bytes)));
}

/** Mean absolute RGB difference over the pixels opaque in both (transparent ones keep whatever RGB an encoder left). */
function opaqueDiff(a: Raster, b: Raster): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4)
    if (a.data[i + 3] === 255 && b.data[i + 3] === 255) {
      for (let c = 0; c < 3; c++) sum += Math.abs(a.data[i + c] - b.data[i + c]);
      n++;
    }
  return n ? sum / (n * 3) : Infinity;
}

const garbage = new Uint8Array(3000).map((_, i) => (i * 131 + 7) & 255);

describe('colour management of PNG and WebP sources', () => {
  it.each(Object.keys(REFERENCE))('%s at c_scale,w_300 is within a mean difference of 3 of libvips sRGB', T, async (name) => {
    const { out, profile, ops, peak } = await thumbnail(fixture(name));
    expect(profile).toBe('matrixShaper');
    const ours = decode(out);
    const reference = decode(fixture(REFERENCE[name]));
    expect(`${ours.width}x${ours.height}`).toBe(`${reference.width}x${reference.height}`);
    const converted = meanDiff(ours, reference);
    expect(converted).toBeLessThan(3);
    // Without its profile the same file is taken as sRGB, and is further off: the conversion did something.
    const without = await thumbnail(name.endsWith('.png') ? withIccp(fixture(name)) : withIccpWebp(fixture(name), garbage));
    const plain = decode(without.out);
    expect(meanDiff(plain, reference)).toBeGreaterThan(converted);
    expect(meanDiff(plain, ours)).toBeGreaterThan(1);
    // The conversion was charged: its work per decoded pixel (photon decodes a small PNG whole, libwebp at the output size)
    // and the module's share of memory.
    const [w, h] = (name.endsWith('.png') ? dims(fixture(name)) : `${ours.width}x${ours.height}`).split('x').map(Number);
    expect(ops - without.ops).toBe(w * h * ICC_CONVERT_OPS.matrixShaper);
    expect(peak).toBeGreaterThanOrEqual(ICC_CONVERT_BYTES);
    expect(peak).toBeGreaterThan(without.peak);
    // The profile was replaced by the small sRGB one.
    expect(latin1(out)).toContain('iCCP');
    expect(engineMemory().stats.open).toBe(0);
  });

  it('converts a PNG read row by row (above 1.2 MP) as the small one photon decodes', T, async () => {
    const small = fixture('adobergb-icc.png');
    const src = decode(small);
    // 4x nearest-neighbour: the row decoder's 1/4 box reduction gives the small image back exactly.
    const k = 4;
    const big = { data: new Uint8Array(src.width * k * src.height * k * 4), width: src.width * k, height: src.height * k };
    for (let y = 0; y < big.height; y++)
      for (let x = 0; x < big.width; x++) {
        const from = (Math.floor(y / k) * src.width + Math.floor(x / k)) * 4;
        big.data.set(src.data.subarray(from, from + 4), (y * big.width + x) * 4);
      }
    const icc = (await readEmbeddedProfile(small, 'png')).icc!;
    const bigPng = withIccp(encodePng(big), iccpBody(await deflate(icc)));
    const rows = await thumbnail(bigPng);
    expect(rows.profile).toBe('matrixShaper');
    const whole = await thumbnail(small);
    expect(meanDiff(decode(rows.out), decode(whole.out))).toBeLessThan(1);
    expect(meanDiff(decode(rows.out), decode(fixture('ref-adobergb-icc-srgb-w300.png')))).toBeLessThan(3);
  });

  it('converts every frame of an animated WebP', T, async () => {
    const icc = (await readEmbeddedProfile(fixture('adobergb-icc.webp'), 'webp')).icc!;
    const plain = fixture('animated-alpha.webp');
    const parts = riffChunks(plain);
    const head = parts[0].payload.slice();
    head[0] |= 0x20; // VP8X: an ICC profile follows
    const tagged = riffFile([chunk('VP8X', head), chunk('ICCP', icc), ...parts.slice(1).map((c) => c.bytes)]);
    const [id, plainId] = [uid('cpa'), uid('cpa')];
    await storeImage(id, tagged);
    await storeImage(plainId, plain);
    const png = async (path: string) => {
      const res = await get(path);
      expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
      return bytesOf(res);
    };
    // Frame 2 alone (the frame decoder, then the engine's conversion) ...
    const still = decode(await png(`pg_2/${id}.png`));
    expect(engineStats.lastSourceProfile).toBe('matrixShaper');
    const stillPlain = decode(await png(`pg_2/${plainId}.png`));
    expect(opaqueDiff(still, stillPlain)).toBeGreaterThan(1);
    // ... and inside the animation (converted frame by frame; the answer carries no profile, so reading it back takes it as it is).
    const animated = await png(`${id}.webp`);
    expect(latin1(animated)).toContain('ANMF');
    const back = uid('cpa');
    await storeImage(back, animated);
    const frame = decode(await png(`pg_2/${back}.png`));
    expect(opaqueDiff(frame, still)).toBeLessThan(opaqueDiff(frame, stillPlain));
    expect(opaqueDiff(frame, still)).toBeLessThan(1);
    expect(meanDiff(frame, still)).toBeLessThan(meanDiff(frame, stillPlain));
  });

  it('fl_strip_profile drops the replaced profile, cs_tinysrgb embeds the small one', T, async () => {
    const stripped = await thumbnail(fixture('p3-alpha.webp'), ',fl_strip_profile');
    expect(latin1(stripped.out)).not.toContain('iCCP');
    const tiny = await thumbnail(fixture('p3-alpha.webp'), ',cs_tinysrgb');
    expect(latin1(tiny.out)).toContain('iCCP');
    expect(meanDiff(decode(stripped.out), decode(tiny.out))).toBe(0);
  });

  it.each([
    ['a PNG profile that is not zlib data', async () => withIccp(fixture('adobergb-icc.png'), iccpBody(garbage)), 'ignored: iCCP'],
    [
      'a PNG profile that is garbage',
      async () => withIccp(fixture('adobergb-icc.png'), iccpBody(await deflate(garbage))),
      'ignored: not a usable',
    ],
    [
      'a PNG profile inflating to 5 MB',
      async () => withIccp(fixture('adobergb-icc.png'), iccpBody(await deflate(new Uint8Array(5 << 20)))),
      'ignored: iCCP: the profile inflates beyond',
    ],
    ['a PNG iCCP without a name', async () => withIccp(fixture('adobergb-icc.png'), new Uint8Array([0, 0, 1, 2])), 'ignored: iCCP'],
    ['a WebP profile that is garbage', async () => withIccpWebp(fixture('adobergb-icc.webp'), garbage), 'ignored: not a usable'],
    ['a truncated WebP profile', async () => withIccpWebp(fixture('adobergb-icc.webp'), new Uint8Array(40)), 'ignored: not a usable'],
  ])('%s is ignored (taken as sRGB, no profile carried) and the next request still works', T, async (_, make, reason) => {
    const bad = await make();
    const { out, profile } = await thumbnail(bad);
    expect(profile).toContain(reason);
    expect(latin1(out)).not.toContain('iCCP');
    const name = latin1(bad.subarray(0, 4)) === 'RIFF' ? 'adobergb-icc.webp' : 'adobergb-icc.png';
    const next = await thumbnail(fixture(name));
    expect(next.profile).toBe('matrixShaper');
    expect(meanDiff(decode(next.out), decode(fixture('ref-adobergb-icc-srgb-w300.png')))).toBeLessThan(3);
  });
});

describe('profiles of PNGs delivered in strips', () => {
  it('converts a full-size 4K PNG with an Adobe RGB profile strip by strip, as the whole image converts', T, async () => {
    const plain = fixture('screenshot-4k.png');
    const read = await readEmbeddedProfile(fixture('adobergb-icc.png'), 'png', () => undefined);
    const icc = read.icc!;
    const tagged = withIccp(plain, iccpBody(await deflate(icc)));
    const [a, b] = [uid('strip-plain'), uid('strip-icc')];
    await storeImage(a, plain);
    await storeImage(b, tagged);
    const before = await bytesOf(await get(`f_png/${a}.png`));
    expect(engineStats.lastSourceProfile).toBe('');
    engineStats.lastStreamWasmBytes = 0;
    const res = await get(`f_png/${b}.png`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(engineStats.lastSourceProfile).toBe('matrixShaper');
    expect(engineStats.lastStreamWasmBytes).toBeGreaterThan(0); // the strip pipeline ran (the whole-frame path leaves it alone)
    const after = decode(await bytesOf(res));
    const expected = decode(before);
    withCodecSession((s) => rgbaToSrgb(s, expected, icc));
    expect(meanDiff(after, expected)).toBe(0);
    expect(meanDiff(after, decode(before))).toBeGreaterThan(0.5);
  });
});
