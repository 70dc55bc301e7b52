import type { Env } from '../../config/env';
import { badRequest, notFound } from '../../errors';
import { getResource, isDeliverable } from '../../storage/resources';
import { configFrom } from '../../config/config';
import { getSettings } from '../../config/settings';
import { guardedFetch } from '../remote/fetcher';
import { fetchPolicy } from '../remote/policy';
import type { LayerSources } from '../../engine/layers';
import { engineMemory } from '../../engine/budget';
import type { TextStyle } from '../../engine/text/style';
import { cssColor, renderTextLayer, styleOfFont } from '../../engine/text-layer';
import { faceFromFile, isFontFile, MAX_FONT_FILE_BYTES } from '../../engine/text/font-file';
import { cachedFont, keepFont } from '../../engine/text/font-cache';
import type { FontFace } from '../../engine/text/fonts';
import type { Color } from '../../engine/types';

/**
 * The Workers side of LayerSources: images of the same cloud from D1 + R2,
 * remote images through the guarded fetcher, text through the font renderer.
 */
export function layerSources(env: Env, cloud: string): LayerSources {
  return {
    // Delivery checked the layer's own access rules before the engine ran (src/delivery/access/layers.ts).
    async asset(publicId, type) {
      const row = await getResource(env.DB, { cloud, resourceType: 'image', type, publicId });
      if (!row || !isDeliverable(row)) throw notFound(`Resource not found - ${publicId}`);
      const obj = await env.BUCKET.get(row.r2_key);
      if (!obj) throw notFound(`Resource not found - ${publicId}`);
      return new Uint8Array(await obj.arrayBuffer());
    },
    async fetch(url) {
      // The same rules as fetch delivery: the deployment's network policy and the cloud's allowed_fetch_domains.
      const limits = configFrom(env).limits;
      const policy = fetchPolicy(env, await getSettings(env.CONFIG, cloud));
      const answer = await guardedFetch(url, {
        ...policy,
        maxBytes: limits.maxFetchBytes,
        timeoutMs: limits.fetchTimeoutMs,
        accept: 'image',
      });
      return answer.bytes;
    },
    async text(layer, options) {
      const style =
        layer.kind === 'text' ? styleOfFont(layer.font, options.color) : await storedStyle(env, cloud, layer.stylePublicId, options.color);
      const face = layer.kind === 'text' && isFontFile(layer.font.family) ? await uploadedFont(env, cloud, layer.font.family) : undefined;
      const limits = configFrom(env).limits;
      return renderTextLayer(layer.text, style, options, limits.maxOutputPixels, face, engineMemory(limits.engineMemoryBytes));
    },
  };
}

/** `l_text:<public id>:...`: the style kept with a text image made by the `text` API (co_ still sets the colour). */
async function storedStyle(env: Env, cloud: string, publicId: string, color: Color | undefined): Promise<TextStyle> {
  const row = await getResource(env.DB, { cloud, resourceType: 'image', type: 'text', publicId });
  const info = row?.info ? (JSON.parse(row.info) as { text_style?: TextStyle }) : undefined;
  if (!info?.text_style) throw badRequest(`Text style ${publicId} not found`);
  return color ? { ...info.text_style, fontColor: cssColor(color) } : info.text_style;
}

/** Cloudinary keeps fonts as authenticated raw files; a public one works too. */
const FONT_TYPES = ['authenticated', 'upload'] as const;

/**
 * `l_text:fonts:MyFont.ttf_40:...`: a raw font file of this cloud, by its
 * public id. A font only lends its glyphs to the text (the file is never
 * delivered by it), so an authenticated font needs no signature here: that
 * is what keeping fonts authenticated is for at Cloudinary. A font that could
 * not be delivered at all (deleted, rejected by moderation) is missing.
 * Parsed fonts are kept per isolate, keyed by cloud and stored version.
 */
async function uploadedFont(env: Env, cloud: string, publicId: string): Promise<FontFace> {
  for (const type of FONT_TYPES) {
    const row = await getResource(env.DB, { cloud, resourceType: 'raw', type, publicId });
    if (!row || !isDeliverable(row)) continue;
    const key = `${cloud}\n${type}\n${publicId}\n${row.version_id}\n${row.etag}`;
    const hit = cachedFont(key);
    if (hit) return hit;
    if (row.bytes > MAX_FONT_FILE_BYTES) throw badRequest(`Font file ${publicId} is too large: at most ${MAX_FONT_FILE_BYTES} bytes`);
    const obj = await env.BUCKET.get(row.r2_key);
    if (!obj) break;
    const face = await faceFromFile(new Uint8Array(await obj.arrayBuffer()), publicId);
    keepFont(key, face);
    return face;
  }
  throw notFound(`Resource not found - ${publicId}`);
}
