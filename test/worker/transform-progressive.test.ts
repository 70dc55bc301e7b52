import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineMemory } from '../../src/engine/budget';
import { engineStats } from '../../src/engine/engine';
import { transcodeJpeg } from '../../src/engine/codecs/pipeline';
import { sniffImage } from '../../src/engine/sniff';
import { fixture, storeImage, uid } from './support/fixtures';
import { dims } from './support/images';

const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 180_000 };
const MB = 1024 * 1024;

/** A progressive copy of a baseline fixture, written by the codec module itself (no large file committed). */
const progressiveOf = (name: string) =>
  transcodeJpeg(fixture(name), {
    shrink: 1,
    target: 'jpg',
    quality: 80,
    progressive: true,
    optimize: true,
    orientation: 1,
    coefficientBytes: 0,
  }).bytes;

describe('progressive JPEG sources above 13 MP', () => {
  it('charges the coefficient buffer from the sampling factors: 3 bytes per pixel at 4:2:0', () => {
    const s = sniffImage(progressiveOf('photo-1mp.jpg'));
    expect(s?.progressive).toBe(true);
    // 1152x864 at 4:2:0: luma 144x108 blocks, each chroma 72x54, 128 bytes a block.
    expect(s?.coefficientBytes).toBe((144 * 108 + 2 * 72 * 54) * 128);
  });

  it('serves a thumbnail of a 24 MP progressive JPEG (it failed above 13 MP), within the budget it was charged', T, async () => {
    const id = uid('prog24');
    const bytes = progressiveOf('photo-24mp.jpg');
    expect(sniffImage(bytes)?.progressive).toBe(true);
    await storeImage(id, bytes);
    const res = await get(`c_fill,w_400,h_300/${id}.jpg`);
    expect(res.status, res.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(res))).toBe('400x300');
    // The coefficients (72 MB at 4:2:0) dominate what was charged; nothing beyond the 96 MB pool.
    expect(engineStats.lastPeakBytes).toBeGreaterThan(70 * MB);
    expect(engineStats.lastPeakBytes).toBeLessThanOrEqual(96 * MB);
    expect(engineMemory().stats.open).toBe(0);
    // Full size needs the coefficients and the frame or the encoder's room as well: a 400 naming the budget.
    const full = await get(`q_80/${id}.jpg`);
    expect(full.status).toBe(400);
    expect(full.headers.get('x-cld-error')).toMatch(/memory budget.*ENGINE_MEMORY_MB/);
    await full.arrayBuffer();
    // Through the whole frame (a pixel effect) the decode ceiling answers first.
    const framed = await get(`q_80,e_brightness:0/${id}.jpg`);
    expect(framed.status).toBe(400);
    expect(framed.headers.get('x-cld-error')).toContain('Image too large: decoding 24005100 pixels');
    await framed.arrayBuffer();
    expect((await get(`c_scale,w_200/${id}.jpg`)).status).toBe(200);
  });
});
