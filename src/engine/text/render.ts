import { Resvg } from '@cf-wasm/resvg';
import { badRequest, CldError } from '../../errors';
import type { MemoryBudget } from '../budget';
import { bundledFace, bundledFamilyOf, variantOf, type FontFace } from './fonts';
import { breakLines, measurer, type Line } from './layout';
import type { TextStyle } from './style';

/**
 * Text to pixels: lays a string out (newlines, word wrapping, alignment,
 * spacing) as SVG and renders it with resvg. The upload API's `text` method
 * and text overlays (`l_text:`) both use it.
 */
export interface RenderedText {
  png: Uint8Array;
  width: number;
  height: number;
}

/** How a text layer is laid out beyond its style (what the `l_text:` component's other parameters ask for). */
export interface TextLayoutOptions {
  /** The font to draw with; by default the bundled family that `style.fontFamily` maps to. */
  face?: FontFace;
  /** `c_fit,w_<n>`: wrap words at this many pixels. */
  wrapWidth?: number;
  /** `c_fit,h_<n>`: lines below this height are left out (at least one line stays). */
  maxHeight?: number;
  /** An outline around the glyphs (`stroke` with `bo_<w>px_solid_<colour>`), `width` pixels outside the glyph edge. */
  stroke?: { width: number; color: string };
  /** Crop the image to the ink (text layers, unless `fl_text_no_trim`); otherwise a small padding stays around the text. */
  trim?: boolean;
  /** The engine's memory pool: rendering waits its turn there for resvg's pixmap, its copy and the fonts it parses. */
  memory?: MemoryBudget;
}

const MAX_TEXT_LENGTH = 5000;

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The SVG attributes of one run of text in `style`. */
function textAttributes(style: TextStyle, family: string, stroke: TextLayoutOptions['stroke']): string {
  const decoration = style.textDecoration === 'strikethrough' ? 'line-through' : style.textDecoration;
  return [
    `font-family="'${family}'"`,
    `font-size="${style.fontSize}"`,
    `font-weight="${style.fontWeight}"`,
    `font-style="${style.fontStyle}"`,
    `fill="${style.fontColor}"`,
    // The stroke is centred on the outline: twice the width, drawn under the fill, leaves `width` pixels outside.
    stroke ? `stroke="${stroke.color}" stroke-width="${2 * stroke.width}" stroke-linejoin="round" paint-order="stroke"` : '',
    decoration !== 'none' ? `text-decoration="${decoration}"` : '',
    style.letterSpacing ? `letter-spacing="${style.letterSpacing}"` : '',
    'xml:space="preserve"',
  ].join(' ');
}

/** A laid-out text: the SVG to render, its size in pixels, and the fonts resvg needs for it. */
export interface TextLayout {
  svg: string;
  width: number;
  height: number;
  lines: number;
  fonts: { buffers: Uint8Array[]; family: string };
  trim: boolean;
  memory?: MemoryBudget;
}

/** The `<text>` elements of one line: one run, or one per word when the line is justified. */
function lineRuns(
  line: Line,
  y: number,
  left: number,
  box: number,
  style: TextStyle,
  attrs: string,
  wordWidth: (s: string) => number,
): string {
  const run = (x: number, anchor: string, s: string) =>
    `<text x="${x.toFixed(2)}" y="${y.toFixed(2)}" text-anchor="${anchor}" ${attrs}>${escapeXml(s)}</text>`;
  const words = line.text.trim().split(/ +/);
  if (style.textAlign === 'justify' && !line.last && words.length > 1) {
    const widths = words.map(wordWidth);
    const gap = (box - widths.reduce((a, b) => a + b, 0)) / (words.length - 1);
    let x = left;
    return words
      .map((w, i) => {
        const out = run(x, 'start', w);
        x += widths[i] + gap;
        return out;
      })
      .join('');
  }
  if (style.textAlign === 'center') return run(left + box / 2, 'middle', line.text);
  if (style.textAlign === 'right') return run(left + box, 'end', line.text);
  return run(left, 'start', line.text);
}

/** Lays `text` (lines split on newlines, wrapped when asked) out in `style`; refuses images over `maxPixels`. */
export async function layoutText(text: string, style: TextStyle, maxPixels: number, opts: TextLayoutOptions = {}): Promise<TextLayout> {
  const clean = text.replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, '');
  if (!clean.trim()) throw badRequest('Missing required parameter - text');
  if (clean.length > MAX_TEXT_LENGTH) throw badRequest(`Text too long: at most ${MAX_TEXT_LENGTH} characters`);
  const face = opts.face ?? bundledFace(bundledFamilyOf(style.fontFamily));
  const variant = variantOf(face, style.fontWeight === 'bold', style.fontStyle === 'italic');
  const m = variant.metrics;
  const measure = measurer(m, style.fontSize, style.letterSpacing ?? 0);
  let lines = breakLines(clean, measure, opts.wrapWidth);
  const em = style.fontSize / m.unitsPerEm;
  const lineHeight = Math.max(1, (m.ascender + m.descender + m.lineGap) * em + (style.lineSpacing ?? 0));
  if (opts.maxHeight !== undefined) lines = lines.slice(0, Math.max(1, Math.floor(opts.maxHeight / lineHeight)));
  const stroke = opts.stroke?.width ?? 0;
  const pad = Math.max(1, Math.round(style.fontSize * 0.08)) + stroke;
  const textWidth = Math.max(...lines.map((l) => l.width));
  const box = style.textAlign === 'justify' && opts.wrapWidth !== undefined ? Math.max(textWidth, opts.wrapWidth) : textWidth;
  const width = Math.max(1, Math.ceil(box) + 2 * pad);
  const height = Math.max(1, Math.ceil(lines.length * lineHeight + 2 * stroke));
  if (width * height > maxPixels) throw badRequest(`Image too large. Text image of ${width}x${height} pixels exceeds ${maxPixels} pixels`);

  const attrs = textAttributes(style, face.family, opts.stroke);
  const wordWidth = measurer(m, style.fontSize, style.letterSpacing ?? 0);
  const runs = lines
    .map((line, i) =>
      line.text.trim() ? lineRuns(line, stroke + i * lineHeight + m.ascender * em, pad, box, style, attrs, wordWidth) : '',
    )
    .join('');
  const background = style.background ? `<rect width="100%" height="100%" fill="${style.background}"/>` : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><g opacity="${style.opacity / 100}">${background}${runs}</g></svg>`;
  // An uploaded font may lack glyphs: the bundled sans-serif regular stands in for them (the bundled families share one repertoire).
  const buffers = face.variants.length === 1 ? [variant.buffer, bundledFace('sans').variants[0].buffer] : [variant.buffer];
  return {
    svg,
    width,
    height,
    lines: lines.length,
    fonts: { buffers, family: face.family },
    trim: opts.trim ?? false,
    memory: opts.memory,
  };
}

/**
 * resvg's own failures (a font it cannot use, a trap in its WASM) are the
 * input's fault here, since every input it gets was made from the request:
 * a 400, never a 500.
 */
async function drawing<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof CldError) throw err;
    throw badRequest(`Text could not be rendered: ${err instanceof Error ? err.message.slice(0, 200) : 'unknown error'}`);
  }
}

/** Renders a layout: PNG bytes for storing, or straight RGBA pixels (for overlays) when `rgba` is asked for. */
async function rasterise(
  layout: TextLayout,
  rgba: boolean,
): Promise<{ png?: Uint8Array; pixels?: Uint8Array; width: number; height: number }> {
  const fontBytes = layout.fonts.buffers.reduce((n, b) => n + b.byteLength, 0);
  const lease = await layout.memory?.admit(
    layout.width * layout.height * 8 + fontBytes,
    `rendering a ${layout.width}x${layout.height} text image`,
  );
  try {
    return await draw(layout, rgba);
  } finally {
    lease?.close();
  }
}

async function draw(layout: TextLayout, rgba: boolean): Promise<{ png?: Uint8Array; pixels?: Uint8Array; width: number; height: number }> {
  const r = await drawing(() =>
    Resvg.async(layout.svg, { font: { fontBuffers: layout.fonts.buffers, defaultFontFamily: layout.fonts.family } }),
  );
  try {
    if (layout.trim) {
      // Tight to the ink (stroke included), as Cloudinary trims text layers.
      const box = r.innerBBox();
      if (box) {
        r.cropByBBox(box);
        box.free();
      }
    }
    const image = await drawing(async () => r.render());
    try {
      return rgba
        ? { pixels: image.pixels.slice(), width: image.width, height: image.height }
        : { png: image.asPng(), width: image.width, height: image.height };
    } finally {
      image.free();
    }
  } finally {
    r.free();
  }
}

/** Text as a PNG image (the `text` upload method, and text layers). */
export async function renderText(text: string, style: TextStyle, maxPixels: number, opts?: TextLayoutOptions): Promise<RenderedText> {
  const out = await rasterise(await layoutText(text, style, maxPixels, opts), false);
  return { png: out.png!, width: out.width, height: out.height };
}

/** Text as RGBA pixels, 4 bytes per pixel, row by row. */
export async function renderTextRgba(
  text: string,
  style: TextStyle,
  maxPixels: number,
  opts?: TextLayoutOptions,
): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const out = await rasterise(await layoutText(text, style, maxPixels, opts), true);
  return { pixels: out.pixels!, width: out.width, height: out.height };
}
