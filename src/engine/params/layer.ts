import { badRequest } from '../../errors';
import type { ParamEntry } from '../registry-types';
import type { Layer, LayerAssetType, TextFont } from '../types';
import { invalid } from '../values';
import { MAX_FONT_SIZE } from '../text/style';

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

function parseFont(spec: string): TextFont | undefined {
  const tokens = spec.split('_');
  if (tokens.length < 2 || !/^\d+$/.test(tokens[1]) || !tokens[0]) return undefined;
  if (!/^[\w -]{1,64}$/.test(tokens[0])) throw invalid('font', spec);
  const size = Number(tokens[1]);
  if (size < 1 || size > MAX_FONT_SIZE) throw invalid('font size', spec);
  const font: TextFont = { family: tokens[0], size, weight: 'normal', style: 'normal', decoration: 'none', align: 'left', extras: [] };
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
    } else if (t === 'stroke' || t === 'no' || t === 'kerning') {
      throw badRequest(`Text option ${t} is not supported`);
    } else throw invalid('font', spec);
  }
  return font;
}

function formatFont(f: TextFont): string {
  const parts = [f.family, String(f.size)];
  if (f.weight !== 'normal') parts.push(f.weight);
  if (f.style !== 'normal') parts.push(f.style);
  if (f.decoration !== 'none') parts.push(f.decoration);
  if (f.align !== 'left') parts.push(f.align);
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
    const sep = rest.indexOf(':');
    if (sep <= 0) throw invalid(name, raw);
    const spec = rest.slice(0, sep);
    const text = decodeText(rest.slice(sep + 1));
    if (!text) throw invalid(name, raw);
    if (spec.startsWith('$')) throw badRequest(`User-defined variables are not supported: ${spec}`);
    const font = parseFont(spec);
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
