import { describe, expect, it } from 'vitest';
import { parseTransformation } from '../../src/engine/parse';
import { PARSER_KEYS, REGISTRY, UNSUPPORTED_KEYS } from '../../src/engine/registry';
import { TRANSFORMATION_KEYS } from '../../src/engine/keys';
import { CldError } from '../../src/errors';

const message = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CldError);
    return `${(e as CldError).status} ${(e as CldError).message}`;
  }
  throw new Error('expected a 400');
};

describe('transformation grammar', () => {
  it('gives one canonical string whatever the order of items', () => {
    const a = parseTransformation('w_400,c_fill,h_300,g_north');
    const b = parseTransformation('g_north,h_300,c_fill,w_400');
    expect(a.canonical).toBe('c_fill,g_north,h_300,w_400');
    expect(b.canonical).toBe(a.canonical);
  });

  it('keeps chained components in order and canonicalises values', () => {
    const p = parseTransformation(['c_scale,w_0.50', 'a_90,dpr_2.0', 'f_jpeg,q_auto:good']);
    expect(p.canonical).toBe('c_scale,w_0.5/a_90,dpr_2/f_jpg,q_auto');
    expect(p.components).toHaveLength(3);
    expect(p.output.format).toBe('jpg');
    expect(p.dependsOn.accept).toBe(true);
  });

  it('tells relative from pixel lengths', () => {
    expect(parseTransformation('w_1.0').components[0].params.w).toEqual({ value: 1, relative: true });
    expect(parseTransformation('w_1').components[0].params.w).toEqual({ value: 1, relative: false });
    expect(parseTransformation('w_1.0').canonical).toBe('w_1.0');
  });

  it('parses colours, angles, aspect ratios and flags', () => {
    const p = parseTransformation('b_rgb:ff000080,a_hflip.45,ar_16:9,fl_progressive.attachment:my_file,x_-10').components[0].params;
    expect(p.b).toEqual({ r: 255, g: 0, b: 0, a: 128 });
    expect(p.a).toMatchObject({ degrees: 45, hflip: true });
    expect(p.ar).toBeCloseTo(16 / 9);
    expect(p.fl?.names).toEqual(['attachment', 'progressive']);
    expect(p.fl?.attachmentName).toBe('my_file');
    expect(p.x).toEqual({ value: -10, relative: false });
    expect(parseTransformation('b_red').canonical).toBe('b_rgb:ff0000');
  });

  it('answers malformed values with Cloudinary wording', () => {
    expect(message(() => parseTransformation('w_abc'))).toBe('400 Invalid width in transformation: abc');
    expect(message(() => parseTransformation('h_-5'))).toBe('400 Invalid height in transformation: -5');
    expect(message(() => parseTransformation('c_squash'))).toBe('400 Invalid crop mode in transformation: squash');
    expect(message(() => parseTransformation('q_101'))).toBe('400 Invalid quality in transformation: 101');
    expect(message(() => parseTransformation('b_notacolour'))).toBe('400 Invalid background in transformation: notacolour');
    expect(message(() => parseTransformation('g_sideways'))).toBe('400 Invalid gravity in transformation: sideways');
    expect(message(() => parseTransformation('f_xyz'))).toBe('400 Invalid format in transformation: xyz');
  });

  it('refuses known but unimplemented parameters instead of ignoring them', () => {
    expect(message(() => parseTransformation('vc_h264'))).toMatch(/^400 .*not supported/);
    expect(message(() => parseTransformation('f_tiff'))).toMatch(/^400 .*not supported/);
    expect(message(() => parseTransformation('zz_1'))).toBe('400 Invalid transformation component: zz_1');
  });

  it('covers every key of the URL grammar: executed by the registry or refused', () => {
    for (const key of Object.keys(REGISTRY)) expect(TRANSFORMATION_KEYS.has(key)).toBe(true);
    expect(new Set([...Object.keys(REGISTRY), ...PARSER_KEYS, ...UNSUPPORTED_KEYS])).toEqual(TRANSFORMATION_KEYS);
    for (const key of UNSUPPORTED_KEYS) expect(message(() => parseTransformation(`${key}_1`))).toMatch(/^400 /);
  });
});
