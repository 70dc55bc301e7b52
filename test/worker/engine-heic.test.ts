import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { engineStats } from '../../src/engine/engine';
import { readHeif, spsSize } from '../../src/engine/heif-container';
import type { Raster } from '../../src/engine/raster';
import { sniffImage } from '../../src/engine/sniff';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, dims, MAGIC, meanDiff } from './support/images';

const get = (path: string, headers: Record<string, string> = {}) => SELF.fetch(`http://w/demo/image/upload/${path}`, { headers });
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 180_000 };
const MB = 1024 * 1024;

async function ok(path: string, headers: Record<string, string> = {}): Promise<Uint8Array> {
  const res = await get(path, headers);
  expect(res.status, `${path}: ${res.headers.get('x-cld-error') ?? ''}`).toBe(200);
  return bytesOf(res);
}

/** A quarter turn clockwise. */
function turnClockwise(r: Raster): Raster {
  const out = new Uint8Array(r.data.length);
  for (let y = 0; y < r.height; y++)
    for (let x = 0; x < r.width; x++)
      out.set(r.data.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 4), (x * r.height + (r.height - 1 - y)) * 4);
  return { data: out, width: r.height, height: r.width };
}

describe('the HEIF container', () => {
  it('reads a phone-style grid: tiles, output size, colour, and the size each SPS codes', () => {
    const grid = readHeif(fixture('photo-12mp.heic'));
    expect(grid).toMatchObject({ width: 4608, height: 2592, columns: 9, rows: 6, tileWidth: 512, tileHeight: 512, orientation: 1 });
    expect(grid?.tiles).toHaveLength(54);
    expect(grid?.colour).toEqual({ matrix: 6, fullRange: true });
    expect(grid?.coded).toEqual({ width: 512, height: 512 });
    // heif-enc wraps an odd-sized image in a 1x1 grid; its coded picture is padded to whole coding blocks.
    expect(readHeif(fixture('photo.heic'))).toMatchObject({
      width: 1600,
      height: 1067,
      columns: 1,
      rows: 1,
      coded: { width: 1600, height: 1072 },
    });
    expect(sniffImage(fixture('photo.heic'))).toEqual({ format: 'heic', width: 1600, height: 1067, orientation: 1, pages: 1 });
  });

  it('turns irot into an orientation, and reports the real size of an SPS that ispe lies about', () => {
    expect(sniffImage(fixture('photo-irot.heic'))).toMatchObject({ width: 1600, height: 1067, orientation: 6 });
    const lie = sniffImage(fixture('hostile/heic-ispe-lie.heic'));
    expect([lie?.width, lie?.height, lie?.extent]).toEqual([100, 100, { width: 8192, height: 8192 }]);
    const sps = Uint8Array.from([
      0x42, 0x01, 0x01, 0x03, 0x70, 0, 0, 3, 0, 0x90, 0, 0, 3, 0, 0, 3, 0, 0x78, 0xa0, 0x03, 0x20, 0x80, 0x10, 0xc7,
    ]);
    expect(spsSize(sps)).toEqual({ width: 1600, height: 1072 });
  });

  it('is not read from a file that is not one', () => {
    expect(readHeif(fixture('photo.avif'))).toBeUndefined();
    expect(readHeif(fixture('photo.heic').slice(0, 200))).toBeUndefined();
  });
});

describe('HEIC sources through the worker', () => {
  it('answer f_jpg, w_400/f_auto and c_fill,w_400,h_300 like the same photo from another format', T, async () => {
    const id = uid('heic');
    await storeImage(id, fixture('photo.heic'));
    const jpg = await ok(`f_jpg/${id}.heic`);
    expect(MAGIC.jpg(jpg)).toBe(true);
    expect(dims(jpg)).toBe('1600x1067');
    expect(dims(await ok(`f_jpg/${id}`))).toBe('1600x1067');
    const auto = await get(`w_400/f_auto/${id}.heif`, { accept: 'image/webp,*/*' });
    expect(auto.status).toBe(200);
    expect(auto.headers.get('content-type')).toBe('image/webp');
    const fill = await ok(`c_fill,w_400,h_300/${id}.png`);
    expect(dims(fill)).toBe('400x300');
    // lossy.webp is the same photograph (same source, same size): the HEIC decodes to the same picture.
    const ref = uid('webp');
    await storeImage(ref, fixture('lossy.webp'));
    expect(meanDiff(decode(fill), decode(await ok(`c_fill,w_400,h_300/${ref}.png`)))).toBeLessThan(4);
  });

  it('applies irot as a phone portrait photo needs it', T, async () => {
    const plain = uid('heic');
    const turned = uid('irot');
    await storeImage(plain, fixture('photo.heic'));
    await storeImage(turned, fixture('photo-irot.heic'));
    const upright = decode(await ok(`w_300/${turned}.png`));
    expect([upright.width, upright.height]).toEqual([300, 450]);
    const expected = turnClockwise(decode(await ok(`h_300/${plain}.png`)));
    expect(meanDiff(upright, expected)).toBeLessThan(2);
    // a_ignore leaves the stored orientation.
    expect(dims(await ok(`a_ignore,w_300/${turned}.png`))).toBe('300x200');
  });

  it('decodes a 12 MP tiled HEIC a row of tiles at a time within 48 MB, by its own accounting and the module measured', T, async () => {
    const id = uid('heic12');
    await storeImage(id, fixture('photo-12mp.heic'));
    const thumb = await ok(`c_fill,w_400,h_300/${id}.jpg`);
    expect(dims(thumb)).toBe('400x300');
    const wasm = engineStats.lastHeifWasmBytes;
    // One 512x512 tile and a strip one tile high, not the 4608x2592 frame (48 MB as RGBA).
    expect(wasm).toBeGreaterThan(0);
    expect(wasm).toBeLessThan(24 * MB);
    expect(engineStats.lastPeakBytes).toBeGreaterThanOrEqual(wasm);
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
    const jpeg = uid('jpg12');
    await storeImage(jpeg, fixture('photo-12mp.jpg'));
    expect(meanDiff(decode(thumb), decode(await ok(`c_fill,w_400,h_300/${jpeg}.jpg`)))).toBeLessThan(4);
    expect(engineMemory().stats.open).toBe(0);
  });

  it('delivers a 12 MP tiled HEIC at full size as JPEG (f_jpg, q_auto) from tile rows into the encoder, within 48 MB', T, async () => {
    const id = uid('heicfull');
    await storeImage(id, fixture('photo-12mp.heic'));
    const full = await ok(`f_jpg,q_auto/${id}`);
    expect(MAGIC.jpg(full)).toBe(true);
    expect(dims(full)).toBe('4608x2592');
    const wasm = engineStats.lastHeifWasmBytes;
    expect(wasm).toBeGreaterThan(0);
    expect(wasm).toBeLessThan(32 * MB);
    expect(engineStats.lastPeakBytes).toBeGreaterThanOrEqual(wasm);
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
    // The same picture as the thumbnail path makes of it.
    const small = uid('heicsmall');
    await storeImage(small, full);
    const fromFull = decode(await ok(`c_fill,w_400,h_300/${small}.png`));
    const direct = decode(await ok(`c_fill,w_400,h_300/${id}.png`));
    expect(meanDiff(fromFull, direct)).toBeLessThan(3);
  });

  it('refuses HEIC output with the output format named', T, async () => {
    const id = uid('heic');
    await storeImage(id, fixture('photo.heic'));
    const res = await get(`f_heic,w_100/${id}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toBe('Output format heic is not supported');
  });

  it('refuses an ispe that hides an 8192x8192 SPS before decoding, naming the limit, and the next request works', T, async () => {
    const id = uid('lie');
    await storeImage(id, fixture('hostile/heic-ispe-lie.heic'));
    const decodesBefore = engineStats.decodes;
    // Same size as JPEG (the strip path) and a thumbnail (the tile-row decode): both charged for the 8192x8192 picture.
    for (const [t, message] of [
      ['w_100', /transcoding 100x100 HEIC to JPG in tile rows needs .*memory budget/],
      ['w_50', /decoding 100x100 HEIC in tile rows at 1\/2 needs .*memory budget/],
    ] as const) {
      const res = await get(`${t}/${id}.jpg`);
      expect(res.status).toBe(400);
      expect(res.headers.get('x-cld-error')).toMatch(message);
    }
    expect(engineStats.decodes).toBe(decodesBefore);
    const good = uid('after');
    await storeImage(good, fixture('photo.heic'));
    expect(dims(await ok(`w_50/${good}.jpg`))).toBe('50x33');
    expect(engineMemory().stats.open).toBe(0);
  });
});
