import { describe, expect, it } from 'vitest';
import { CldError } from '../../src/errors';
import { parseTransformation } from '../../src/engine/parse';
import { entryFor } from '../../src/engine/registry';

const fails = (t: string) => {
  try {
    parseTransformation(t);
  } catch (err) {
    expect(err).toBeInstanceOf(CldError);
    return { status: (err as CldError).status, message: (err as Error).message };
  }
  throw new Error(`${t} was accepted`);
};

describe('transformation grammar', () => {
  it('parses items into typed values, in any order, with one canonical string', () => {
    const a = parseTransformation('w_100,c_fill,h_0.5');
    const b = parseTransformation('h_0.5,c_fill,w_100');
    expect(a.components[0].params).toMatchObject({ c: 'fill', w: { value: 100, relative: false }, h: { value: 0.5, relative: true } });
    expect(a.canonical).toBe('c_fill,h_0.5,w_100');
    expect(b.canonical).toBe(a.canonical);
  });

  it('writes relative whole numbers with their decimal point, so w_1.0 stays relative', () => {
    expect(parseTransformation('w_1.0').canonical).toBe('w_1.0');
    expect(parseTransformation('w_1.0').components[0].params.w).toEqual({ value: 1, relative: true });
    expect(parseTransformation('w_1').components[0].params.w).toEqual({ value: 1, relative: false });
  });

  it('chains components with / and keeps their order', () => {
    const plan = parseTransformation('c_fill,w_100/a_90');
    expect(plan.components).toHaveLength(2);
    expect(plan.canonical).toBe('c_fill,w_100/a_90');
    expect(parseTransformation(['c_fill,w_100', 'a_90']).canonical).toBe(plan.canonical);
  });

  it('normalises colours and named colours', () => {
    expect(parseTransformation('b_red').canonical).toBe('b_rgb:ff0000');
    expect(parseTransformation('b_rgb:F00').canonical).toBe('b_rgb:ff0000');
    expect(parseTransformation('b_rgb:ff000080').components[0].params.b).toMatchObject({ r: 255, g: 0, b: 0, a: 128 });
  });

  it('collects the output format, quality and flags of every component', () => {
    const plan = parseTransformation('w_10,f_png/q_80,fl_progressive');
    expect(plan.output.format).toBe('png');
    expect(plan.output.quality).toEqual({ kind: 'fixed', value: 80 });
    expect([...plan.output.flags]).toEqual(['progressive']);
    expect(plan.dependsOn).toEqual({ accept: false, dpr: false, width: false });
  });

  it('marks what the answer depends on: f_auto and q_auto on Accept, dpr_auto on the client hint', () => {
    expect(parseTransformation('f_auto').dependsOn.accept).toBe(true);
    expect(parseTransformation('q_auto:eco').dependsOn.accept).toBe(true);
    expect(parseTransformation('w_100,dpr_auto').dependsOn.dpr).toBe(true);
  });

  it('decodes percent-encoded URL items, and leaves API strings alone', () => {
    expect(parseTransformation('b_rgb%3Aff0000', { encoded: true }).canonical).toBe('b_rgb:ff0000');
  });

  it.each([
    ['zz_1', 400, 'Invalid transformation component: zz_1'],
    ['w_', 400, 'Invalid w in transformation: (empty)'],
    ['w_abc', 400, 'Invalid width in transformation: abc'],
    ['c_squash', 400, 'Invalid crop mode in transformation: squash'],
    ['$1width_100', 400, 'Invalid variable name in transformation: $1width'],
    ['if_w_gt_100,if_h_gt_5,w_10', 400, 'Invalid transformation component: more than one if_ (h_gt_5)'],
    [Array(21).fill('w_1').join('/'), 400, 'Too many chained transformations (maximum 20)'],
  ])('refuses %s with %i "%s"', (t, status, message) => {
    expect(fails(t)).toEqual({ status, message });
  });

  it('has one registry entry per key, which parses and writes back its own values', () => {
    const w = entryFor('w');
    expect(w?.key).toBe('w');
    expect(entryFor('nope')).toBeUndefined();
    const c = entryFor('c')!;
    expect(c.canonical(c.parse('lpad') as never)).toBe('lpad');
  });
});
