import type { AssetFacts } from '../../engine/expressions/evaluate';
import { getContext, getTags, type ResourceRow } from '../../storage/resources';
import { givenFaces } from '../analysis/given-faces';
import { coordinatesOf, parseInfo } from '../analysis/semantic';

const areas = (list: number[][]) => list.map(([x, y, width, height]) => ({ x, y, width, height }));

/**
 * What conditions and expressions may read of a stored asset: its tags, its
 * context, its custom coordinates and its faces (given with
 * face_coordinates and clamped to the image, else detected; undefined when
 * never looked for).
 */
export async function assetFacts(db: D1Database, resource: ResourceRow): Promise<AssetFacts> {
  const [tags, context] = await Promise.all([getTags(db, resource.id), getContext(db, resource.id)]);
  const coordinates = coordinatesOf(resource.coordinates);
  const faces = givenFaces(resource) ?? parseInfo(resource.info).faces;
  return {
    tags,
    context,
    faceCount: faces?.length ?? 0,
    custom: areas(coordinates?.custom ?? []),
    faces: faces && areas(faces),
  };
}

/** The facts as part of a variant's identity: a derived image that read them is another variant once they change. */
export const factsKey = (f: AssetFacts) =>
  JSON.stringify([f.tags ?? [], Object.entries(f.context ?? {}), f.faceCount ?? 0, f.custom ?? [], f.faces ?? []]);
