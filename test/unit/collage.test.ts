import { describe, expect, it } from 'vitest';
import { spriteLayout } from '../../src/engine/collage/layout';

describe('sprite layout', () => {
  it('stacks images top to bottom at the left edge; the sprite is as wide as the widest', () => {
    const layout = spriteLayout([
      { width: 50, height: 40 },
      { width: 30, height: 20 },
      { width: 70, height: 5 },
    ]);
    expect(layout).toEqual({
      width: 70,
      height: 65,
      boxes: [
        { x: 0, y: 0, width: 50, height: 40 },
        { x: 0, y: 40, width: 30, height: 20 },
        { x: 0, y: 60, width: 70, height: 5 },
      ],
    });
  });

  it('is never empty', () => {
    expect(spriteLayout([])).toEqual({ width: 1, height: 1, boxes: [] });
  });
});
