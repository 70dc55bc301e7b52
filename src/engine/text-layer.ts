import { renderText } from './text/render';
import { DEFAULT_STYLE, type TextStyle } from './text/style';
import type { Color, TextFont } from './types';
import { formatColor } from './values';

/** Text layers (`l_text:`) as the upload engineer's renderer draws them; free of Workers bindings, so the benchmark uses it too. */

export const cssColor = (c: Color) => `#${formatColor(c).slice(4)}`;
const BOLD = new Set(['bold', 'semibold', 'extrabold', 'black']);
const ALIGN: Record<TextFont['align'], TextStyle['textAlign']> = {
  left: 'left',
  start: 'left',
  justify: 'left',
  center: 'center',
  right: 'right',
  end: 'right',
};

/** `l_text:<family>_<size>_...`: the bundled fonts have regular and bold weights, so heavier weights draw bold and lighter ones regular. */
export function styleOfFont(font: TextFont, color: Color | undefined): TextStyle {
  return {
    ...DEFAULT_STYLE,
    fontFamily: font.family,
    fontSize: font.size,
    fontColor: color ? cssColor(color) : DEFAULT_STYLE.fontColor,
    fontWeight: BOLD.has(font.weight) ? 'bold' : 'normal',
    fontStyle: font.style,
    textDecoration: font.decoration,
    textAlign: ALIGN[font.align],
    letterSpacing: font.letterSpacing,
    lineSpacing: font.lineSpacing === undefined ? undefined : Math.max(-font.size / 2, font.lineSpacing),
  };
}

/** The layer image: the text in `style` as PNG bytes (transparent background). */
export async function renderTextLayer(text: string, style: TextStyle, maxPixels: number): Promise<Uint8Array> {
  return (await renderText(text, style, maxPixels)).png;
}
