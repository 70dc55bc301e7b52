import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTransformation } from '../../src/engine/parse';
import { fixture, storeImage, uid } from './support/fixtures';
import { dims } from './support/images';

/** Chained dpr, expressions, variables, conditionals and w_auto, through real delivery URLs (photo-1mp.jpg is 1152x864). */
const get = (path: string, headers: Record<string, string> = {}) => SELF.fetch(`http://w/demo/image/upload/${path}`, { headers });
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const T = { timeout: 120_000 };

async function sizeOf(path: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await get(path, headers);
  expect(res.status, `${path}: ${res.headers.get('x-cld-error') ?? ''}`).toBe(200);
  return dims(await bytesOf(res));
}

describe('chained components and expressions', () => {
  const photo = uid('expr');
  const sale = uid('sale');
  beforeAll(async () => {
    await storeImage(photo, fixture('photo-1mp.jpg'));
    await storeImage(sale, fixture('photo-1mp.jpg'), 'demo', { tags: ['sale', 'summer'], context: { kind: 'shoes', size: '42' } });
  });

  it.each([
    ['c_fill,w_200,h_200/dpr_2.0', '400x400'],
    ['c_fill,h_200,w_200/f_auto/q_auto/dpr_2.0', '400x400'],
    ['c_scale,w_100/dpr_3', '300x225'],
    ['c_fill,dpr_2.0,h_100,w_100', '200x200'],
    ['c_scale,w_100,dpr_1.0/dpr_2.0', '100x75'],
  ])('dpr composes across components: %s gives %s', T, async (t, expected) => {
    expect(await sizeOf(`${t}/${photo}.png`)).toBe(expected);
  });

  it('decodes a JPEG base whole when the first component sizes an overlay, not the base', T, async () => {
    expect(await sizeOf(`c_scale,l_${sale},w_100/fl_layer_apply,fl_no_overflow,g_north/${photo}.png`)).toBe('1152x864');
  });

  it.each([
    ['w_iw_div_2', '576x432'],
    ['c_fill,w_iw,h_ih', '1152x864'],
    ['c_scale,w_iw_mul_0.25', '288x216'],
    ['$w_300/c_scale,w_$w', '300x225'],
    ['$w_100,$h_$w_mul_2,c_fill,w_$w,h_$h', '100x200'],
    ['c_scale,w_200/c_crop,w_w_sub_50,h_h_div_2', '150x75'],
    ['c_scale,w_3_add_4_mul_10', '43x32'],
    ['c_scale,w_2_pow_3_pow_2', '512x384'],
    ['c_scale,w_iw_mod_1000', '152x114'],
    ['c_fill,ar_iar,w_100', '100x75'],
    ['l_LAYER,w_10,a_90/c_scale,w_100/c_scale,w_w_div_2', '50x38'],
    ['l_LAYER/c_scale,w_10/fl_layer_apply/c_scale,w_200/c_scale,h_h_div_2', '100x75'],
  ])('evaluates %s to %s', T, async (t, expected) => {
    expect(await sizeOf(`${t.replace('LAYER', sale)}/${photo}.png`)).toBe(expected);
  });

  it.each([
    ['if_w_gt_1000/c_scale,w_1000/if_end', '1000x750'],
    ['if_w_gt_2000/c_scale,w_1000/if_end', '1152x864'],
    ['if_ar_gt_1.0/c_scale,w_100/if_else/c_scale,w_50/if_end', '100x75'],
    ['if_ar_lt_1.0/c_scale,w_100/if_else/c_scale,w_50/if_end', '50x38'],
    ['if_ar_gt_4:3/c_scale,w_100/if_else/c_scale,w_60/if_end', '60x45'],
    ['if_w_gt_1000_and_h_gt_2000/c_scale,w_100/if_end/c_scale,w_0.1', '115x86'],
    ['if_w_gt_5000_or_h_gt_800/c_scale,w_100/if_end', '100x75'],
    ['if_w_lt_500,c_scale,w_10/c_scale,w_200', '200x150'],
    ['if_w_gt_500,c_scale,w_10/c_scale,h_20', '25x20'],
    ['c_scale,w_400/if_w_eq_400/c_scale,w_40/if_end', '40x30'],
    ['if_iw_eq_1152/if_ih_eq_1/c_scale,w_1/if_else/c_scale,w_11/if_end/if_end', '11x8'],
  ])('conditionals: %s gives %s', T, async (t, expected) => {
    expect(await sizeOf(`${t}/${photo}.png`)).toBe(expected);
  });

  it('reads tags, context and face count of the asset', T, async () => {
    const cases: [string, string, string][] = [
      ['if_!sale!_in_tags/c_scale,w_100/if_else/c_scale,w_50/if_end', '100x75', '50x38'],
      ['if_!sale:summer!_in_tags/c_scale,w_100/if_else/c_scale,w_50/if_end', '100x75', '50x38'],
      ['if_!sale!_nin_tags/c_scale,w_100/if_else/c_scale,w_50/if_end', '50x38', '100x75'],
      ['if_ctx:!kind!_eq_!shoes!/c_scale,w_100/if_else/c_scale,w_50/if_end', '100x75', '50x38'],
      ['if_ctx:!size!_gt_40/c_scale,w_100/if_else/c_scale,w_50/if_end', '100x75', '50x38'],
      ['if_fc_gt_0/c_scale,w_100/if_else/c_scale,w_50/if_end', '50x38', '50x38'],
    ];
    for (const [t, tagged, plain] of cases) {
      expect(await sizeOf(`${t}/${sale}.png`), t).toBe(tagged);
      expect(await sizeOf(`${t}/${photo}.png`), t).toBe(plain);
    }
  });

  it('keeps the canonical form a string (the cache key) with if_ and variables first', () => {
    const plan = parseTransformation('if_fc_gt_2,$z_5,$foo_$z_mul_2,w_$foo_mul_200,c_scale');
    expect(plan.canonical).toBe('if_fc_gt_2,$z_5,$foo_$z_mul_2,c_scale,w_$foo_mul_200');
    expect(parseTransformation('w_iw_div_2,c_scale').canonical).toBe('c_scale,w_iw_div_2');
  });

  it.each([
    'w_iw_div_0',
    'w_iw_div',
    'w_iw_foo_2',
    'if_w_gt/c_scale,w_10/if_end',
    'if_bogus_gt_1/c_scale,w_10/if_end',
    'c_scale,w_$undefined',
    '$w_10,c_scale,w_$w_add_!px!',
    'if_end',
    'if_else/w_10',
    'c_scale,w_!text!',
    'c_scale,w_iw_sub_iw',
    'c_scale,h_w_gt_1',
    'if_!a!_add_1/w_10/if_end',
  ])('refuses %s with 400 and X-Cld-Error', T, async (t) => {
    const res = await get(`${t}/${photo}.png`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toBeTruthy();
  });

  it('w_auto takes the width hint rounded up to the step, falls back without one, varies on it', T, async () => {
    const t = `c_limit,w_auto:100:400/${photo}.png`;
    const hinted = await get(t, { 'Sec-CH-Width': '230' });
    expect(hinted.status, hinted.headers.get('x-cld-error') ?? '').toBe(200);
    expect(dims(await bytesOf(hinted))).toBe('300x225');
    expect(hinted.headers.get('vary')).toContain('Sec-CH-Width');
    expect(await sizeOf(t, { Width: '301' })).toBe('400x300');
    expect(await sizeOf(t)).toBe('400x300');
    expect(await sizeOf(t, { 'Sec-CH-Width': '50000' })).toBe('1152x864');
    expect(await sizeOf(`c_scale,w_auto/${photo}.png`, { 'Sec-CH-Width': '150' })).toBe('200x150');
    expect(await sizeOf(`c_scale,w_auto:50/${photo}.png`, { 'Sec-CH-Width': '151' })).toBe('200x150');
    expect(await sizeOf(`c_limit,w_auto/${photo}.png`)).toBe('1152x864');
    // The hint is in device pixels: with dpr_auto the output is the hint's width, not twice it.
    expect(await sizeOf(`c_limit,dpr_auto,w_auto:100:400/${photo}.png`, { 'Sec-CH-Width': '800', 'Sec-CH-DPR': '2' })).toBe('800x600');
  });

  it('keeps w_auto variants apart in the cache and together within a step', T, async () => {
    const t = `c_scale,w_auto:100/e_grayscale/${photo}.png`;
    const a = await get(t, { 'Sec-CH-Width': '120' });
    expect(dims(await bytesOf(a))).toBe('200x150');
    const b = await get(t, { 'Sec-CH-Width': '180' });
    expect(dims(await bytesOf(b))).toBe('200x150');
    const c = await get(t, { 'Sec-CH-Width': '420' });
    expect(dims(await bytesOf(c))).toBe('500x375');
  });

  it.each(['w_auto:breakpoints', 'w_auto:0', 'h_auto'])('refuses %s', T, async (t) => {
    const res = await get(`${t}/${photo}.png`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-cld-error')).toBeTruthy();
  });
});
