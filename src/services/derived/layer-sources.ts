import type { Env } from '../../config/env';
import { badRequest, notFound } from '../../errors';
import { getResource, isDeliverable } from '../../storage/resources';
import { configFrom } from '../../config/config';
import { getSettings } from '../../config/settings';
import { guardedFetch } from '../remote/fetcher';
import { fetchPolicy } from '../remote/policy';
import type { LayerSources } from '../../engine/layers';
import type { TextStyle } from '../../engine/text/style';
import { cssColor, renderTextLayer, styleOfFont } from '../../engine/text-layer';
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
    async text(layer, color) {
      const style = layer.kind === 'text' ? styleOfFont(layer.font, color) : await storedStyle(env, cloud, layer.stylePublicId, color);
      return renderTextLayer(layer.text, style, configFrom(env).limits.maxOutputPixels);
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
