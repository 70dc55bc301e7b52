import type { MemoryBudget } from './budget';
import type { FontFace } from './text/fonts';
import { renderText } from './text/render';
import { DEFAULT_STYLE, type TextStyle } from './text/style';
import type { Border, Color, Params, TextFont } from './types';
import { formatColor } from './values';

/** Text layers (`l_text:`) as the upload engineer's renderer draws them; free of Workers bindings, so the benchmark uses it too. */

export const cssColor = (c: Color) => `#${formatColor(c).slice(4)}`;
const BOLD = new Set(['bold', 'semibold', 'extrabold', 'black']);
const ALIGN: Record<TextFont['align'], TextStyle['textAlign']> = {
  left: 'left',
  start: 'left',
  justify: 'justify',
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

/** What a text layer's own component asks of the text image itself, rather than of the image once rendered. */
export interface TextLayerOptions {
  /** `co_`: the text colour. */
  color?: Color;
  /** `c_fit,w_<n>`: wrap at n pixels; `c_fit,h_<n>`: at most that high. */
  wrapWidth?: number;
  maxHeight?: number;
  /** `bo_` of a layer whose font says `stroke`. */
  stroke?: Border;
  /** `fl_text_no_trim`. */
  noTrim: boolean;
  /** The component's `dpr_`: the text is drawn that much larger, as every other size is. */
  scale: number;
}

const STROKE_DEFAULT: Border = { width: 1, color: { r: 0, g: 0, b: 0, a: 255 } };
const absolute = (l: Params['w']) => (l && !l.relative ? l.value : undefined);
const TEXT_FLAGS = new Set(['text_no_trim', 'text_disallow_overflow']);

/**
 * Splits a text layer's own component into what the renderer takes and what
 * still transforms the rendered image. Cloudinary wraps text only under
 * `c_fit` with a width in pixels (a relative width resizes the image), and
 * a `bo_` beside `stroke` outlines the glyphs rather than framing the image.
 */
export function splitTextParams(font: TextFont | undefined, p: Params): { options: TextLayerOptions; rest: Params } {
  const rest = { ...p };
  const options: TextLayerOptions = {
    color: p.co,
    noTrim: p.fl?.names.includes('text_no_trim') ?? false,
    scale: typeof p.dpr === 'number' ? p.dpr : 1,
  };
  if (p.c === 'fit' && (absolute(p.w) !== undefined || absolute(p.h) !== undefined)) {
    options.wrapWidth = absolute(p.w);
    options.maxHeight = absolute(p.h);
    delete rest.c;
    if (options.wrapWidth !== undefined) delete rest.w;
    if (options.maxHeight !== undefined) delete rest.h;
  }
  if (font?.stroke) {
    options.stroke = p.bo ?? STROKE_DEFAULT;
    delete rest.bo;
  }
  if (p.fl) {
    const names = p.fl.names.filter((n) => !TEXT_FLAGS.has(n));
    if (names.length) rest.fl = { ...p.fl, names };
    else delete rest.fl;
  }
  if (options.scale !== 1) delete rest.dpr;
  return { options, rest };
}

/** The layer image: the text in `style` as PNG bytes (transparent background), laid out as `options` say. */
export async function renderTextLayer(
  text: string,
  style: TextStyle,
  options: TextLayerOptions,
  maxPixels: number,
  face?: FontFace,
  memory?: MemoryBudget,
): Promise<Uint8Array> {
  const k = options.scale;
  const scaled: TextStyle = {
    ...style,
    fontSize: style.fontSize * k,
    letterSpacing: style.letterSpacing === undefined ? undefined : style.letterSpacing * k,
    lineSpacing: style.lineSpacing === undefined ? undefined : style.lineSpacing * k,
  };
  const rendered = await renderText(text, scaled, maxPixels, {
    face,
    wrapWidth: options.wrapWidth === undefined ? undefined : options.wrapWidth * k,
    maxHeight: options.maxHeight === undefined ? undefined : options.maxHeight * k,
    stroke: options.stroke ? { width: options.stroke.width * k, color: cssColor(options.stroke.color) } : undefined,
    trim: !options.noTrim,
    memory,
  });
  return rendered.png;
}
