import { badRequest } from '../../errors';
import type { ParamEntry } from '../registry-types';
import type { Layer, LayerAssetType, TextFont } from '../types';
import { invalid } from '../values';
import { MAX_FONT_SIZE } from '../text/style';
import { isFontFile } from '../text/font-file';

/**
 * `l_` (overlay) and `u_` (underlay): another stored image (`l_folder:name`),
 * a remote image (`l_fetch:<base64url of the URL>`), or text
 * (`l_text:<family>_<size>[_<style>...]:<text>`, `l_text:<text style id>:<text>`).
 * What the layer does is the engine's business (see layers.ts); here it is parsed.
 */
const WEIGHTS = ['normal', 'bold', 'light', 'thin', 'black', 'semibold', 'extrabold', 'medium'] as const;
const ALIGNS = ['left', 'center', 'right', 'start', 'end', 'justify'] as const;
const UNSUPPORTED_KINDS = /^(video|subtitles|lut|audio|raw)$/;
/**
 * Extensions that end a layer id as a format, as in delivery URLs: Cloudinary
 * reads `l_folder:logo.png` as public id `folder/logo` in format png.
 */
const LAYER_FORMAT = /\.(jpe?g|jpe|png|gif|webp|avif|svg|bmp|tiff?|ico|heic|heif|jxl|jp2|wdp|psd|pdf|eps)$/i;

/** `l_private:<id>`, `l_authenticated:<id>`: the SDKs put a layer's delivery type first when it is not `upload`. */
const LAYER_TYPES: readonly LayerAssetType[] = ['private', 'authenticated'];

/**
 * The SDK encodes commas and slashes of text twice (`%252C`), so after the URL
 * decoding they are still `%2C`: decode escapes once more. A lone `%` (which
 * the SDK encodes only once) stays as it is.
 */
function decodeText(raw: string): string {
  return raw.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** Text as written back into the canonical item: never a raw `,` `/` or `%`, so the item stays one item. */
const encodeText = (text: string) => text.replace(/[%,/:\n]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/**
 * An uploaded font names its raw file with the extension and may hold folders
 * (`fonts:MyFont.ttf_40`): everything up to the first font extension followed
 * by `_` is the family. Public ids of fonts are kept to plain characters.
 */
const FONT_FILE = /^([\w .:-]{1,250}?\.(?:ttf|otf|woff2?))_/i;

/** `l_text:<family>_<size>...:` with the family as written and the style tokens after it; the family of a font file as its public id. */
function splitFontSpec(spec: string): { family: string; tokens: string[] } | undefined {
  const file = FONT_FILE.exec(spec);
  if (file) {
    const family = file[1].replace(/:/g, '/');
    if (family.startsWith('/') || family.split('/').some((s) => !s || s === '..' || s === '.')) throw invalid('font', spec);
    return { family, tokens: spec.slice(file[0].length).split('_') };
  }
  const [family, ...tokens] = spec.split('_');
  if (!family || family.includes(':')) return undefined;
  return { family, tokens };
}

function parseFont(spec: string): TextFont | undefined {
  const split = splitFontSpec(spec);
  if (!split || !/^\d+$/.test(split.tokens[0] ?? '')) return undefined;
  const { family } = split;
  const tokens = [family, ...split.tokens];
  if (!isFontFile(family) && !/^[\w -]{1,64}$/.test(family)) throw invalid('font', spec);
  const size = Number(tokens[1]);
  if (size < 1 || size > MAX_FONT_SIZE) throw invalid('font size', spec);
  const font: TextFont = { family, size, weight: 'normal', style: 'normal', decoration: 'none', align: 'left', extras: [] };
  for (let i = 2; i < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    if ((WEIGHTS as readonly string[]).includes(t)) font.weight = t as TextFont['weight'];
    else if (t === 'italic') font.style = 'italic';
    else if (t === 'underline' || t === 'strikethrough') font.decoration = t;
    else if ((ALIGNS as readonly string[]).includes(t)) font.align = t as TextFont['align'];
    else if ((t === 'letter' || t === 'line') && next === 'spacing' && /^-?\d+(\.\d+)?$/.test(tokens[i + 2] ?? '')) {
      const n = Number(tokens[i + 2]);
      if (t === 'letter') font.letterSpacing = n;
      else font.lineSpacing = n;
      i += 2;
    } else if ((t === 'antialias' || t === 'hinting') && next) {
      font.extras.push(`${t}_${next}`);
      i += 1;
    } else if (t === 'stroke') {
      font.stroke = true;
    } else if (t === 'no' || t === 'kerning') {
      throw badRequest(`Text option ${t} is not supported`);
    } else throw invalid('font', spec);
  }
  return font;
}

function formatFont(f: TextFont): string {
  const parts = [f.family.replace(/\//g, ':'), String(f.size)];
  if (f.weight !== 'normal') parts.push(f.weight);
  if (f.style !== 'normal') parts.push(f.style);
  if (f.decoration !== 'none') parts.push(f.decoration);
  if (f.align !== 'left') parts.push(f.align);
  if (f.stroke) parts.push('stroke');
  if (f.letterSpacing !== undefined) parts.push('letter_spacing', String(f.letterSpacing));
  if (f.lineSpacing !== undefined) parts.push('line_spacing', String(f.lineSpacing));
  parts.push(...f.extras);
  return parts.join('_');
}

function decodeBase64Url(name: string, raw: string, b64: string): string {
  if (!/^[A-Za-z0-9_\-+/]+=*$/.test(b64)) throw invalid(name, raw);
  try {
    const bin = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
    const url = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
    if (!/^https?:\/\//i.test(url)) throw new Error('not http');
    return url;
  } catch {
    throw invalid(name, raw);
  }
}

const encodeBase64Url = (url: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(url)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

function parseLayer(name: string, raw: string): Layer {
  const colon = raw.indexOf(':');
  const kind = colon > 0 ? raw.slice(0, colon) : '';
  if (kind === 'fetch') return { kind: 'fetch', url: decodeBase64Url(name, raw, raw.slice(colon + 1)) };
  if (kind === 'text') {
    const rest = raw.slice(colon + 1);
    let sep = rest.indexOf(':');
    if (sep <= 0) throw invalid(name, raw);
    if (rest.startsWith('$')) throw badRequest(`User-defined variables are not supported: ${rest.slice(0, sep)}`);
    let font = parseFont(rest.slice(0, sep));
    // A font file in a folder (`fonts:MyFont.ttf_40:Hello`) has colons of its own before the text's.
    const file = font ? undefined : FONT_FILE.exec(rest);
    if (file && rest.indexOf(':', file[0].length) > 0) {
      sep = rest.indexOf(':', file[0].length);
      font = parseFont(rest.slice(0, sep));
    }
    const spec = rest.slice(0, sep);
    const text = decodeText(rest.slice(sep + 1));
    if (!text) throw invalid(name, raw);
    return font ? { kind: 'text', font, text } : { kind: 'text_style', stylePublicId: spec.replace(/:/g, '/'), text };
  }
  if (UNSUPPORTED_KINDS.test(kind)) throw badRequest(`${kind} layers are not supported`);
  if (kind === 'url' || raw.startsWith('$')) throw invalid(name, raw);
  const type = LAYER_TYPES.find((t) => t === kind);
  const id = type ? raw.slice(colon + 1) : raw;
  const format = LAYER_FORMAT.exec(id)?.[1].toLowerCase();
  const publicId = (format ? id.slice(0, -format.length - 1) : id).replace(/:/g, '/');
  if (!publicId || publicId.startsWith('/') || publicId.endsWith('/') || publicId.includes('//') || publicId.split('/').includes('..'))
    throw invalid(name, raw);
  return { kind: 'asset', publicId, ...(format ? { format } : {}), ...(type ? { type } : {}) };
}

function formatLayer(v: Layer): string {
  switch (v.kind) {
    case 'asset':
      return (v.type ? `${v.type}:` : '') + v.publicId.replace(/\//g, ':') + (v.format ? `.${v.format}` : '');
    case 'fetch':
      return `fetch:${encodeBase64Url(v.url)}`;
    case 'text':
      return `text:${formatFont(v.font)}:${encodeText(v.text)}`;
    case 'text_style':
      return `text:${v.stylePublicId.replace(/\//g, ':')}:${encodeText(v.text)}`;
  }
}

export const l: ParamEntry<'l'> = { key: 'l', parse: (raw) => parseLayer('overlay', raw), canonical: formatLayer, effect: 'geometry' };
export const u: ParamEntry<'u'> = { key: 'u', parse: (raw) => parseLayer('underlay', raw), canonical: formatLayer, effect: 'geometry' };
