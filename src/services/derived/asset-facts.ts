import type { AssetFacts } from '../../engine/expressions/evaluate';
import { getContext, getTags, type ResourceRow } from '../../storage/resources';
import { coordinatesOf } from '../analysis/semantic';

/** What conditions and expressions may read of a stored asset: its tags, its context and how many faces it has on record. */
export async function assetFacts(db: D1Database, resource: ResourceRow): Promise<AssetFacts> {
  const [tags, context] = await Promise.all([getTags(db, resource.id), getContext(db, resource.id)]);
  const coordinates = coordinatesOf(resource.coordinates);
  const areas = (list: number[][] | undefined) => (list ?? []).map(([x, y, width, height]) => ({ x, y, width, height }));
  return {
    tags,
    context,
    faceCount: coordinates?.faces?.length ?? 0,
    custom: areas(coordinates?.custom),
    faces: areas(coordinates?.faces),
  };
}

/** The facts as part of a variant's identity: a derived image that read them is another variant once they change. */
export const factsKey = (f: AssetFacts) =>
  JSON.stringify([f.tags ?? [], Object.entries(f.context ?? {}), f.faceCount ?? 0, f.custom ?? [], f.faces ?? []]);
