import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { encodePngRows } from '../../src/engine/codecs/png-encode';
import { engineStats } from '../../src/engine/engine';
import { fixture, storeImage, uid } from './support/fixtures';
import { decode, dims, makeRaster } from './support/images';

const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const T = { timeout: 180_000 };
const MB = 1024 * 1024;
const colourType = (png: Uint8Array) => png[25];
/** Bytes that differ (a loop: deep equality on a megabyte array is slow). */
function differing(a: Uint8Array, b: Uint8Array): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('PNG encoded row by row', () => {
  it('writes RGBA when any pixel is transparent, RGB when none is, and decodes to the same pixels', T, async () => {
    const alpha = makeRaster(301, 77, (x, y) => [(x * 7) % 256, (y * 13) % 256, (x ^ y) & 255, (x + y) % 256]);
    const png = await encodePngRows(alpha);
    expect(colourType(png)).toBe(6);
    expect(differing(decode(png).data, alpha.data)).toBe(0);
    const opaque = makeRaster(640, 480, (x, y) => [x & 255, y & 255, ((x >> 3) * (y >> 3)) & 255]);
    const rgb = await encodePngRows(opaque);
    expect(colourType(rgb)).toBe(2);
    expect(differing(decode(rgb).data, opaque.data)).toBe(0);
  });

  it('charges its rows and its output before making them, and no more than the output needs', async () => {
    const img = makeRaster(1000, 400, (x, y) => [x & 255, y & 255, 0]);
    const charges: number[] = [];
    const png = await encodePngRows(img, (n) => charges.push(n));
    const rows = charges[0];
    expect(rows).toBeLessThan(1000 * 3 * 8 + 512 * 1024);
    // The pieces deflate gave (each an IDAT) and the file, once each.
    const total = charges.slice(1).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(2 * png.length - 100);
    expect(total).toBeLessThanOrEqual(2 * png.length + 100);
  });

  it('delivers a 4K screenshot as PNG, full size and cropped, within 48 MB by its own accounting', T, async () => {
    const id = uid('png4k');
    await storeImage(id, fixture('screenshot-4k.png'));
    const crop = await get(`c_fill,w_400,h_300/${id}.png`);
    expect(crop.status, crop.headers.get('x-cld-error') ?? '').toBe(200);
    const small = new Uint8Array(await crop.arrayBuffer());
    expect(dims(small)).toBe('400x300');
    expect(colourType(small)).toBe(2);
    const full = await get(`c_scale,w_1920/${id}.png`);
    expect(full.status, full.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(new Uint8Array(await full.arrayBuffer()))).toBe('1920x1080');
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(48 * MB);
    // At its own size: the rows read whole are the result (no resampling copy), then written row by row.
    const same = await get(`q_80/${id}.png`);
    expect(same.status, same.headers.get('x-cld-error') ?? '').toBe(200);
    const png = new Uint8Array(await same.arrayBuffer());
    expect(dims(png)).toBe('3840x2160');
    expect(colourType(png)).toBe(2);
    // The decoded frame (33 MB) is charged twice while it is both the source and the result, conservatively.
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(72 * MB);
    expect(engineMemory().stats.open).toBe(0);
  });
});
