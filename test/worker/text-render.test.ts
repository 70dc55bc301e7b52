import { describe, expect, it } from 'vitest';
import { layoutText, renderText, renderTextRgba } from '../../src/engine/text/render';
import { DEFAULT_STYLE, parseTextStyle } from '../../src/engine/text/style';

const style = (over: Record<string, string>) => parseTextStyle((k) => over[k]);

describe('the text renderer', () => {
  it('sizes the image by the text and the font size', async () => {
    const small = await renderText('Hello', DEFAULT_STYLE, 1e7);
    const big = await renderText('Hello', style({ font_size: '60' }), 1e7);
    const longer = await renderText('Hello, World', DEFAULT_STYLE, 1e7);
    expect(big.width).toBeGreaterThan(small.width * 4);
    expect(big.height).toBeGreaterThan(small.height * 4);
    expect(longer.width).toBeGreaterThan(small.width * 2);
    expect(String.fromCharCode(...small.png.subarray(1, 4))).toBe('PNG');
    const twoLines = await layoutText('a\nb', DEFAULT_STYLE, 1e7);
    expect(twoLines.height).toBeGreaterThan(small.height * 1.8);
  });

  it('paints the font colour on the background colour at the given opacity', async () => {
    const { pixels, width, height } = await renderTextRgba(
      '█ █',
      style({ font_size: '40', font_color: '#ff0000', background: 'rgb:0000ff' }),
      1e7,
    );
    let red = 0;
    let blue = 0;
    for (let i = 0; i < width * height; i++) {
      const [r, g, b, a] = pixels.subarray(i * 4, i * 4 + 4);
      if (a === 255 && r > 200 && g < 40 && b < 40) red++;
      if (a === 255 && b > 200 && r < 40 && g < 40) blue++;
    }
    expect(red).toBeGreaterThan(50);
    expect(blue).toBeGreaterThan(50);
    const faint = await renderTextRgba('█', style({ font_size: '40', opacity: '50' }), 1e7);
    const alphas = new Set<number>();
    for (let i = 3; i < faint.pixels.length; i += 4) alphas.add(faint.pixels[i]);
    expect(Math.max(...alphas)).toBeLessThanOrEqual(128);
    expect(Math.max(...alphas)).toBeGreaterThanOrEqual(126);
  });

  it('refuses bad styles and over-large images with 400', async () => {
    expect(() => style({ font_color: 'red"/><x' })).toThrow();
    expect(() => style({ font_size: '0' })).toThrow();
    expect(() => style({ font_weight: 'heavy' })).toThrow();
    await expect(renderText('x'.repeat(200), style({ font_size: '400' }), 1e6)).rejects.toMatchObject({ status: 400 });
    await expect(renderText('   ', DEFAULT_STYLE, 1e6)).rejects.toMatchObject({ status: 400 });
  });
});
