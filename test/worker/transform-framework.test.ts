import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTransformation } from '../../src/engine/parse';
import type { Raster } from '../../src/engine/raster';
import { storeImage, uid } from './support/fixtures';
import { decode, encodePng, makeRaster, pixel } from './support/images';

/** What the framework integrations emit: fl_no_overflow on layers, CSS colour names, e_tint:equalize, e_trim::, blend modes. */
const get = (path: string) => SELF.fetch(`http://w/demo/image/upload/${path}`);
const T = { timeout: 120_000 };

async function image(path: string): Promise<Raster> {
  const res = await get(path);
  expect(res.status, `${path}: ${res.headers.get('x-cld-error') ?? ''}`).toBe(200);
  return decode(new Uint8Array(await res.arrayBuffer()));
}

const near = (a: number[], b: number[], tol = 2) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

describe('framework-generated transformations', () => {
  const base = uid('base');
  const mark = uid('mark');
  const ramp = uid('ramp');
  beforeAll(async () => {
    // A 40x40 base: left half (150, 100, 50), right half (40, 200, 240).
    await storeImage(base, encodePng(makeRaster(40, 40, (x) => (x < 20 ? [150, 100, 50] : [40, 200, 240]))));
    // A 20x20 mark: top half opaque (100, 150, 200), bottom half transparent.
    await storeImage(mark, encodePng(makeRaster(20, 20, (_x, y) => (y < 10 ? [100, 150, 200, 255] : [0, 0, 0, 0]))));
    // A narrow grey ramp (60-120) for equalize.
    await storeImage(ramp, encodePng(makeRaster(64, 4, (x) => [60 + x, 60 + x, 60 + x])));
  });

  it('accepts fl_no_overflow on overlays, underlays and text layers (layers are always clipped to the image)', T, async () => {
    const plain = await image(`l_${mark},g_north_west/${base}.png`);
    const flagged = await image(`l_${mark},g_north_west,fl_no_overflow/${base}.png`);
    expect(Array.from(flagged.data)).toEqual(Array.from(plain.data));
    const applied = await image(`l_${mark}/c_scale,w_30/fl_layer_apply,fl_no_overflow,g_south_east,x_-10,y_-10/${base}.png`);
    const appliedPlain = await image(`l_${mark}/c_scale,w_30/fl_layer_apply,g_south_east,x_-10,y_-10/${base}.png`);
    expect([appliedPlain.width, appliedPlain.height]).toEqual([40, 40]);
    expect([applied.width, applied.height]).toEqual([40, 40]);
    const text = await image(`co_white,l_text:Arial_20:Hello%20there,fl_no_overflow/fl_layer_apply,g_west/${base}.png`);
    expect([text.width, text.height]).toEqual([40, 40]);
    expect(parseTransformation('fl_layer_apply,fl_no_overflow,g_north').canonical).toBe('fl_layer_apply.no_overflow,g_north');
    const under = await image(`u_${mark},fl_no_overflow/${base}.png`);
    expect([under.width, under.height]).toEqual([40, 40]);
  });

  it('knows every CSS colour name', T, async () => {
    const cases: [string, number[]][] = [
      ['blueviolet', [138, 43, 226]],
      ['rebeccapurple', [102, 51, 153]],
      ['lightgoldenrodyellow', [250, 250, 210]],
      ['darkslategray', [47, 79, 79]],
    ];
    for (const [name, rgb] of cases) {
      expect(pixel(await image(`co_${name},e_colorize/${base}.png`), 5, 5)).toEqual([...rgb, 255]);
    }
    expect(pixel(await image(`b_mediumseagreen,c_pad,w_40,h_60/${base}.png`), 5, 2)).toEqual([60, 179, 113, 255]);
    const res = await get(`co_notacolour,e_colorize/${base}.png`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toContain('notacolour');
  });

  it('e_tint: equalize, gradients with positions, rgb: colours', T, async () => {
    const plainTint = await image(`e_tint:100:white/${ramp}.png`);
    const equalized = await image(`e_tint:equalize:100:white/${ramp}.png`);
    // Without equalize the ramp keeps its narrow range; with it the levels spread to (nearly) 0-255.
    expect(pixel(plainTint, 63, 0)[0] - pixel(plainTint, 0, 0)[0]).toBeLessThan(80);
    expect(pixel(equalized, 0, 0)[0]).toBeLessThan(10);
    expect(pixel(equalized, 63, 0)[0]).toBeGreaterThan(245);
    // A two-colour gradient maps the darkest to the first colour and the lightest to the second.
    const g = await image(`e_tint:equalize:100:red:blue/${ramp}.png`);
    expect(near(pixel(g, 0, 0), [255, 0, 0, 255], 10)).toBe(true);
    expect(near(pixel(g, 63, 0), [0, 0, 255, 255], 10)).toBe(true);
    // Positions: blue from 50% on, so the upper half of the levels is all blue.
    const p = await image(`e_tint:equalize:100:red:0p:blue:50p/${ramp}.png`);
    expect(near(pixel(p, 48, 0), [0, 0, 255, 255], 10)).toBe(true);
    expect(pixel(await image(`e_tint:100:rgb:0000ff/${base}.png`), 5, 5)[0]).toBe(0);
    expect(parseTransformation('e_tint:equalize:80:red:20p:blue').canonical).toBe('e_tint:equalize:80:rgb:ff0000:20p:rgb:0000ff');
    for (const bad of ['e_tint:equalize:101:red', 'e_tint:50:red:120p', 'e_tint:50:20p', 'e_tint:50:nocolour']) {
      const res = await get(`${bad}/${base}.png`);
      expect(res.status, bad).toBe(400);
    }
  });

  it('e_trim takes the empty forms url-gen writes', T, async () => {
    const id = uid('framed');
    await storeImage(id, encodePng(makeRaster(50, 40, (x, y) => (x >= 10 && x < 30 && y >= 5 && y < 25 ? [200, 0, 0] : [250, 250, 250]))));
    for (const t of ['e_trim', 'e_trim::', 'e_trim:10:', 'e_trim::rgb:fafafa', 'e_trim:5:white']) {
      const out = await image(`${t}/${id}.png`);
      expect([out.width, out.height], t).toEqual([20, 20]);
    }
  });

  it('blends overlays with e_multiply, e_screen, e_overlay (in fl_layer_apply or the layer component)', T, async () => {
    const layer = [100, 150, 200].map((v) => v / 255);
    const left = [150, 100, 50].map((v) => v / 255);
    const right = [40, 200, 240].map((v) => v / 255);
    const expected: Record<string, (a: number, b: number) => number> = {
      multiply: (a, b) => a * b,
      screen: (a, b) => 1 - (1 - a) * (1 - b),
      overlay: (a, b) => (a < 0.5 ? 2 * a * b : 1 - 2 * (1 - a) * (1 - b)),
    };
    for (const [mode, fn] of Object.entries(expected)) {
      for (const path of [`l_${mark}/e_${mode},fl_layer_apply,g_north/${base}.png`, `e_${mode},g_north,l_${mark}/${base}.png`]) {
        const out = await image(path);
        // The mark covers x 10-29, y 0-9 (opaque) and y 10-19 (transparent).
        const want = (b: number[]) => [...b.map((v, i) => Math.round(fn(v, layer[i]) * 255)), 255];
        expect(near(pixel(out, 12, 5), want(left)), `${path} left`).toBe(true);
        expect(near(pixel(out, 25, 5), want(right)), `${path} right`).toBe(true);
        expect(pixel(out, 12, 15), `${path} under the transparent half`).toEqual([150, 100, 50, 255]);
        expect(pixel(out, 2, 5), `${path} outside`).toEqual([150, 100, 50, 255]);
      }
    }
  });

  it('e_mask keeps the base only under the overlay; e_cut_out removes it there', T, async () => {
    const masked = await image(`l_${mark}/e_mask,fl_layer_apply,g_north/${base}.png`);
    expect(pixel(masked, 12, 5)).toEqual([150, 100, 50, 255]);
    expect(pixel(masked, 12, 15)[3]).toBe(0);
    expect(pixel(masked, 2, 5)[3]).toBe(0);
    const cut = await image(`l_${mark}/e_cut_out,fl_layer_apply,g_north/${base}.png`);
    expect(pixel(cut, 12, 5)[3]).toBe(0);
    expect(pixel(cut, 12, 15)).toEqual([150, 100, 50, 255]);
    expect(pixel(cut, 2, 5)).toEqual([150, 100, 50, 255]);
  });

  it('e_redeye removes small round red patches and leaves larger or elongated red areas', T, async () => {
    const id = uid('eyes');
    const eye = (x: number, y: number, cx: number, cy: number) => (x - cx) ** 2 + (y - cy) ** 2 <= 16;
    await storeImage(
      id,
      encodePng(
        makeRaster(200, 120, (x, y) => {
          if (eye(x, y, 70, 50) || eye(x, y, 130, 50)) return [200, 30, 30];
          if (x >= 70 && x < 130 && y >= 90 && y < 110) return [200, 30, 30];
          if (x === 20 && y >= 10 && y < 110) return [200, 30, 30];
          return [220, 180, 150];
        }),
      ),
    );
    const out = await image(`e_redeye/${id}.png`);
    expect(pixel(out, 70, 50)).toEqual([30, 30, 30, 255]);
    expect(pixel(out, 132, 51)).toEqual([30, 30, 30, 255]);
    expect(pixel(out, 100, 100)).toEqual([200, 30, 30, 255]);
    expect(pixel(out, 20, 60)).toEqual([200, 30, 30, 255]);
    expect(pixel(out, 5, 5)).toEqual([220, 180, 150, 255]);
    expect((await get(`e_redeye:50/${id}.png`)).status).toBe(400);
  });

  it('refuses blend modes without an overlay, and on underlays', T, async () => {
    for (const t of ['e_multiply', `u_${mark},e_screen`]) {
      const res = await get(`${t}/${base}.png`);
      expect(res.status, t).toBe(400);
      expect(res.headers.get('x-cld-error'), t).toMatch(/overlay/);
    }
  });
});
