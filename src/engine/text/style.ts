import { badRequest } from '../../errors';

/** How a text image looks: the `text` API's parameters, parsed and checked. */
export interface TextStyle {
  fontFamily: string;
  fontSize: number;
  /** A CSS color: `#rrggbb[aa]` or a name. */
  fontColor: string;
  fontWeight: 'normal' | 'bold';
  fontStyle: 'normal' | 'italic';
  /** null: transparent. */
  background: string | null;
  /** 0 (invisible) to 100. */
  opacity: number;
  textDecoration: 'none' | 'underline' | 'strikethrough';
  textAlign: 'left' | 'center' | 'right' | 'justify';
  /** Extra pixels between letters (text overlays' `letter_spacing_<n>`). */
  letterSpacing?: number;
  /** Extra pixels between lines (text overlays' `line_spacing_<n>`). */
  lineSpacing?: number;
}

export const DEFAULT_STYLE: TextStyle = {
  fontFamily: 'Arial',
  fontSize: 12,
  fontColor: 'black',
  fontWeight: 'normal',
  fontStyle: 'normal',
  background: null,
  opacity: 100,
  textDecoration: 'none',
  textAlign: 'left',
};

export const MAX_FONT_SIZE = 500;

/** Cloudinary's colors: names, `#rgb[a]`/`#rrggbb[aa]`, or `rgb:rrggbb`. Anything else is refused (it ends up in SVG). */
function parseColor(key: string, raw: string): string {
  const v = raw.trim();
  const hex = /^(?:#|rgb:)?([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(v);
  if (hex && (v.startsWith('#') || v.toLowerCase().startsWith('rgb:'))) return `#${hex[1].toLowerCase()}`;
  if (/^[a-z]{3,30}$/i.test(v)) return v.toLowerCase();
  throw badRequest(`Invalid ${key} ${JSON.stringify(raw)}`);
}

function pick<T extends string>(key: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (!raw) return fallback;
  const v = raw.toLowerCase() as T;
  if (!allowed.includes(v)) throw badRequest(`Invalid ${key} ${JSON.stringify(raw)}. Valid values: ${allowed.join(', ')}`);
  return v;
}

export function parseTextStyle(get: (key: string) => string | undefined): TextStyle {
  const size = get('font_size');
  const fontSize = size ? Number(size) : DEFAULT_STYLE.fontSize;
  if (!Number.isFinite(fontSize) || fontSize <= 0 || fontSize > MAX_FONT_SIZE)
    throw badRequest(`Invalid font_size ${JSON.stringify(size)}: 1 to ${MAX_FONT_SIZE}`);
  const op = get('opacity');
  const opacity = op ? Number(op) : 100;
  if (!Number.isFinite(opacity) || opacity < 0 || opacity > 100) throw badRequest(`Invalid opacity ${JSON.stringify(op)}: 0 to 100`);
  const family = get('font_family') ?? DEFAULT_STYLE.fontFamily;
  if (!/^[\w -]{1,64}$/.test(family)) throw badRequest(`Invalid font_family ${JSON.stringify(family)}`);
  const background = get('background');
  return {
    fontFamily: family,
    fontSize,
    fontColor: parseColor('font_color', get('font_color') ?? DEFAULT_STYLE.fontColor),
    fontWeight: pick('font_weight', get('font_weight'), ['normal', 'bold'], 'normal'),
    fontStyle: pick('font_style', get('font_style'), ['normal', 'italic'], 'normal'),
    background: background && background !== 'transparent' ? parseColor('background', background) : null,
    opacity,
    textDecoration: pick('text_decoration', get('text_decoration'), ['none', 'underline', 'strikethrough'], 'none'),
    textAlign: pick('text_align', get('text_align'), ['left', 'center', 'right', 'justify'], 'left'),
  };
}
