import type { Env } from '../env';
import { badRequest, notFound } from '../errors';
import { getResource } from '../storage/resources';
import { limitsFrom } from '../config/limits';
import { getSettings } from '../config/settings';
import { guardedFetch } from '../remote/fetcher';
import { fetchPolicy } from '../remote/policy';
import type { LayerSources } from './layers';
import { renderText } from '../text/render';
import { DEFAULT_STYLE, type TextStyle } from '../text/style';
import type { Color, TextFont } from './types';
import { formatColor } from './values';

/**
 * The Workers side of LayerSources: images of the same cloud from D1 + R2,
 * remote images through the guarded fetcher, text through the font renderer.
 */
export function layerSources(env: Env, cloud: string): LayerSources {
  return {
    async asset(publicId) {
      const row = await getResource(env.DB, { cloud, resourceType: 'image', type: 'upload', publicId });
      if (!row) throw notFound(`Resource not found - ${publicId}`);
      if (row.moderation_status === 'rejected') throw notFound(`Resource not found - ${publicId}`);
      const obj = await env.BUCKET.get(row.r2_key);
      if (!obj) throw notFound(`Resource not found - ${publicId}`);
      return new Uint8Array(await obj.arrayBuffer());
    },
    async fetch(url) {
      // The same rules as fetch delivery: the deployment's network policy and the cloud's allowed_fetch_domains.
      const limits = limitsFrom(env);
      const policy = fetchPolicy(env, await getSettings(env.CONFIG, cloud));
      const answer = await guardedFetch(url, { ...policy, maxBytes: limits.maxFetchBytes, timeoutMs: limits.fetchTimeoutMs, accept: 'image' });
      return answer.bytes;
    },
    async text(layer, color) {
      const style = layer.kind === 'text' ? styleOfFont(layer.font, color) : await storedStyle(env, cloud, layer.stylePublicId, color);
      return (await renderText(layer.text, style, limitsFrom(env).maxOutputPixels)).png;
    },
  };
}

const cssColor = (c: Color) => `#${formatColor(c).slice(4)}`;
const BOLD = new Set(['bold', 'semibold', 'extrabold', 'black']);
const ALIGN: Record<TextFont['align'], TextStyle['textAlign']> = { left: 'left', start: 'left', justify: 'left', center: 'center', right: 'right', end: 'right' };

/** `l_text:<family>_<size>_...`: the bundled fonts have regular and bold weights, so heavier weights draw bold and lighter ones regular. */
function styleOfFont(font: TextFont, color: Color | undefined): TextStyle {
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

/** `l_text:<public id>:...`: the style kept with a text image made by the `text` API (co_ still sets the colour). */
async function storedStyle(env: Env, cloud: string, publicId: string, color: Color | undefined): Promise<TextStyle> {
  const row = await getResource(env.DB, { cloud, resourceType: 'image', type: 'text', publicId });
  const info = row?.info ? (JSON.parse(row.info) as { text_style?: TextStyle }) : undefined;
  if (!info?.text_style) throw badRequest(`Text style ${publicId} not found`);
  return color ? { ...info.text_style, fontColor: cssColor(color) } : info.text_style;
}
