import { describe, expect, it } from 'vitest';
import { parseRange, rangeStillValid } from '../../src/protocol/byte-range';

describe('Range header', () => {
  it.each([
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=5-', { start: 5, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-500', { start: 0, end: 99 }],
    ['bytes=90-1000', { start: 90, end: 99 }],
    ['bytes = 1 - 2', { start: 1, end: 2 }],
    ['bytes=100-', 'unsatisfiable'],
    ['bytes=100-200', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=9-3', undefined],
    ['bytes=0-1,3-4', undefined],
    ['items=0-1', undefined],
    ['bytes=-', undefined],
    ['bytes=a-b', undefined],
  ])('%s of 100 bytes is %j', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });

  it('holds a range only while If-Range names the current copy', () => {
    expect(rangeStillValid(null, '"e"', 'd')).toBe(true);
    expect(rangeStillValid('"e"', '"e"', 'd')).toBe(true);
    expect(rangeStillValid('"x"', '"e"', 'd')).toBe(false);
    expect(rangeStillValid('W/"e"', '"e"', 'd')).toBe(false);
    expect(rangeStillValid('d', '"e"', 'd')).toBe(true);
    expect(rangeStillValid('other date', '"e"', 'd')).toBe(false);
  });
});
