import { describe, expect, it } from 'vitest';
import { FrameCounter } from '../../src/engine/frame-count';
import { sniffImage } from '../../src/engine/sniff';
import { fixtureBytes } from '../support/fixtures';

const count = (format: 'gif' | 'webp', bytes: Uint8Array, chunk: number) => {
  const counter = new FrameCounter(format);
  for (let at = 0; at < bytes.length && !counter.done; at += chunk) counter.push(bytes.subarray(at, at + chunk));
  return counter;
};

describe('streaming frame count', () => {
  const files = [
    ['animated.gif', 'gif'],
    ['animated-alpha.gif', 'gif'],
    ['static.gif', 'gif'],
    ['animated-alpha.webp', 'webp'],
  ] as const;

  for (const [name, format] of files) {
    it(`counts ${name} as the whole-file sniff does, whatever the chunk size`, () => {
      const bytes = new Uint8Array(fixtureBytes(name));
      const whole = sniffImage(bytes)!.pages;
      for (const chunk of [1, 3, 13, 257, 65536]) expect(count(format, bytes, chunk).pages).toBe(whole);
    });
  }

  it('finds 8 frames in animated.gif and stops at its trailer', () => {
    const bytes = new Uint8Array(fixtureBytes('animated.gif'));
    const counter = count('gif', bytes, 5);
    expect(counter.pages).toBe(8);
    expect(counter.done).toBe(true);
  });

  it('counts frames past what a head holds: a GIF of 3000 small frames, fed 4 KB at a time', () => {
    const frame = [0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4c, 0x01, 0];
    const gif = new Uint8Array([...'GIF89a'].map((c) => c.charCodeAt(0)).concat([1, 0, 1, 0, 0, 0, 0], ...Array(3000).fill(frame), [0x3b]));
    expect(count('gif', gif, 4096).pages).toBe(3000);
  });

  it('ends quietly on a truncated or garbled file', () => {
    const bytes = new Uint8Array(fixtureBytes('animated.gif'));
    expect(count('gif', bytes.subarray(0, 200), 64).pages).toBeGreaterThanOrEqual(1);
    const garbled = bytes.slice();
    garbled.fill(0x99, 800);
    const counter = count('gif', garbled, 64);
    expect(counter.done).toBe(true);
  });
});
