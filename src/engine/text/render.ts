import { Resvg } from '@cf-wasm/resvg';
import { badRequest } from '../../errors';
import { ASCENT, BUNDLED_FAMILY, fontBuffers, LINE_HEIGHT } from './fonts';
import type { TextStyle } from './style';

/**
 * Text to pixels: lays a string out in the bundled fonts as SVG and renders
 * it with resvg. The upload API's `text` method uses it; text overlays
 * (`l_text:`) can call the same functions.
 */
export interface RenderedText {
  png: Uint8Array;
  width: number;
  height: number;
}

const MAX_TEXT_LENGTH = 5000;

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const fontOptions = () => ({ font: { fontBuffers: fontBuffers(), defaultFontFamily: BUNDLED_FAMILY } });

/** The SVG attributes of one run of text in `style`. */
function textAttributes(style: TextStyle): string {
  const decoration = style.textDecoration === 'strikethrough' ? 'line-through' : style.textDecoration;
  return [
    `font-family="${BUNDLED_FAMILY}"`,
    `font-size="${style.fontSize}"`,
    `font-weight="${style.fontWeight}"`,
    `font-style="${style.fontStyle}"`,
    `fill="${style.fontColor}"`,
    decoration !== 'none' ? `text-decoration="${decoration}"` : '',
    style.letterSpacing ? `letter-spacing="${style.letterSpacing}"` : '',
    'xml:space="preserve"',
  ].join(' ');
}

/** The advance of each line: the right edge of its ink, measured by laying it out alone. */
async function measureLines(lines: string[], style: TextStyle): Promise<number[]> {
  const widths: number[] = [];
  for (const line of lines) {
    if (!line.trim()) {
      widths.push(0);
      continue;
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="${Math.ceil(style.fontSize * 2)}"><text x="0" y="${style.fontSize * ASCENT}" ${textAttributes(style)}>${escapeXml(line)}</text></svg>`;
    const r = await Resvg.async(svg, fontOptions());
    const box = r.getBBox();
    widths.push(box ? box.x + box.width : 0);
    r.free();
  }
  return widths;
}

/** A laid-out text: the SVG to render and its size in pixels. */
export interface TextLayout {
  svg: string;
  width: number;
  height: number;
}

/** Lays `text` (lines split on newlines) out in `style`; refuses images over `maxPixels`. */
export async function layoutText(text: string, style: TextStyle, maxPixels: number): Promise<TextLayout> {
  const clean = text.replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, '');
  if (!clean.trim()) throw badRequest('Missing required parameter - text');
  if (clean.length > MAX_TEXT_LENGTH) throw badRequest(`Text too long: at most ${MAX_TEXT_LENGTH} characters`);
  const lines = clean.split('\n');
  const widths = await measureLines(lines, style);
  const pad = Math.max(1, Math.round(style.fontSize * 0.08));
  const lineHeight = style.fontSize * LINE_HEIGHT + (style.lineSpacing ?? 0);
  const width = Math.max(1, Math.ceil(Math.max(...widths)) + 2 * pad);
  const height = Math.max(1, Math.ceil(lines.length * lineHeight));
  if (width * height > maxPixels) throw badRequest(`Image too large. Text image of ${width}x${height} pixels exceeds ${maxPixels} pixels`);

  const anchor = { left: ['start', pad], center: ['middle', width / 2], right: ['end', width - pad] } as const;
  const [textAnchor, x] = anchor[style.textAlign];
  const runs = lines
    .map(
      (line, i) =>
        `<text x="${x}" y="${(i * lineHeight + style.fontSize * ASCENT).toFixed(2)}" text-anchor="${textAnchor}" ${textAttributes(style)}>${escapeXml(line)}</text>`,
    )
    .join('');
  const background = style.background ? `<rect width="100%" height="100%" fill="${style.background}"/>` : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><g opacity="${style.opacity / 100}">${background}${runs}</g></svg>`;
  return { svg, width, height };
}

/** Renders a layout: PNG bytes for storing, or straight RGBA pixels (for overlays) when `rgba` is asked for. */
async function rasterise(
  layout: TextLayout,
  rgba: boolean,
): Promise<{ png?: Uint8Array; pixels?: Uint8Array; width: number; height: number }> {
  const r = await Resvg.async(layout.svg, fontOptions());
  const image = r.render();
  try {
    return rgba
      ? { pixels: image.pixels.slice(), width: image.width, height: image.height }
      : { png: image.asPng(), width: image.width, height: image.height };
  } finally {
    image.free();
    r.free();
  }
}

/** Text as a PNG image (the `text` upload method). */
export async function renderText(text: string, style: TextStyle, maxPixels: number): Promise<RenderedText> {
  const out = await rasterise(await layoutText(text, style, maxPixels), false);
  return { png: out.png!, width: out.width, height: out.height };
}

/** Text as RGBA pixels, 4 bytes per pixel, row by row (for compositing, e.g. `l_text:` overlays). */
export async function renderTextRgba(
  text: string,
  style: TextStyle,
  maxPixels: number,
): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const out = await rasterise(await layoutText(text, style, maxPixels), true);
  return { pixels: out.pixels!, width: out.width, height: out.height };
}
