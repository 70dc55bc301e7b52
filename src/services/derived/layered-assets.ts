import { parseTransformation } from '../../engine/parse';
import type { LayerAssetType } from '../../engine/types';
import { getResource, type ResourceRow } from '../../storage/resources';

/** One stored image drawn into another's answer by `l_`/`u_`. */
export interface LayeredAsset {
  publicId: string;
  type: 'upload' | LayerAssetType;
}

/**
 * The image layers (overlays and underlays) of a transformation. Give it the
 * transformation after named transformations are expanded, so layers inside
 * `t_` count too. Text layers are not assets (their fonts only lend glyphs),
 * and `l_fetch:` images are public by definition.
 */
export function layeredAssetsOf(transformations: string[]): LayeredAsset[] {
  if (!transformations.length) return [];
  const found = new Map<string, LayeredAsset>();
  for (const { params } of parseTransformation(transformations, { encoded: true }).components) {
    for (const layer of [params.l, params.u]) {
      if (layer?.kind !== 'asset') continue;
      const asset: LayeredAsset = { publicId: layer.publicId, type: layer.type ?? 'upload' };
      found.set(`${asset.type}/${asset.publicId}`, asset);
    }
  }
  return [...found.values()];
}

/** The stored rows of those layers (a missing one is left out: the engine answers its 404 when it draws). */
export async function layeredResources(db: D1Database, cloud: string, assets: LayeredAsset[]): Promise<ResourceRow[]> {
  const rows = await Promise.all(assets.map((a) => getResource(db, { cloud, resourceType: 'image', type: a.type, publicId: a.publicId })));
  return rows.filter((r): r is ResourceRow => r !== null);
}
