import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { LEASE_MS, shared, tryLease, underLease } from '../../src/services/derived/single-flight';

describe('single flight', () => {
  it('gives the D1 lease to one holder until it is released or expires', async () => {
    const key = `lease-${Math.random()}`;
    const first = await tryLease(env.DB, key);
    expect(first).toBeDefined();
    expect(await tryLease(env.DB, key)).toBeUndefined();
    expect(await tryLease(env.DB, key, Date.now() + LEASE_MS + 1)).toBeDefined();
    const other = `lease-${Math.random()}`;
    const held = await tryLease(env.DB, other);
    await held!.release();
    expect(await tryLease(env.DB, other)).toBeDefined();
  });

  it('makes a waiter use the holder result instead of computing', async () => {
    const key = `wait-${Math.random()}`;
    const lease = await tryLease(env.DB, key);
    let result: string | undefined;
    let computed = 0;
    setTimeout(() => {
      result = 'made by the holder';
    }, 250);
    const got = await underLease(
      env.DB,
      key,
      async () => result,
      async () => {
        computed++;
        return 'made by the waiter';
      },
    );
    expect(got).toBe('made by the holder');
    expect(computed).toBe(0);
    await lease!.release();
  });

  it('shares one promise among callers in the isolate', async () => {
    let runs = 0;
    const work = () => new Promise<number>((r) => setTimeout(() => r(++runs), 20));
    const all = await Promise.all(Array.from({ length: 10 }, () => shared('k', work)));
    expect(all).toEqual(Array(10).fill(1));
    expect(await shared('k', work)).toBe(2);
  });
});
