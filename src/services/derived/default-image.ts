import { notFound } from '../../errors';
import type { DeliveryRequest } from '../../protocol/delivery-url';
import { getResource, type ResourceRow } from '../../storage/resources';
import { parseTransformation } from '../../engine/parse';
import type { DefaultImage } from '../../engine/types';

/** A rejected asset is not delivered: it is as if it did not exist. */
export const isDeliverable = (r: ResourceRow) => r.moderation_status !== 'rejected';

/** The `d_` of a delivery request, if any (the last one wins). */
function defaultImageOf(d: DeliveryRequest): DefaultImage | undefined {
  if (!d.transformations.length) return undefined;
  let found: DefaultImage | undefined;
  for (const c of parseTransformation(d.transformations, { encoded: true }).components) found = c.params.d ?? found;
  return found;
}

/** The same request aimed at the default image: its `d_` items dropped, the rest of the transformation kept. */
function towardsDefault(d: DeliveryRequest, def: DefaultImage): DeliveryRequest {
  const transformations = d.transformations
    .map((segment) =>
      segment
        .split(',')
        .filter((item) => !item.startsWith('d_'))
        .join(','),
    )
    .filter(Boolean);
  return { ...d, type: 'upload', publicId: def.publicId, version: undefined, format: d.format ?? def.format, transformations };
}

/**
 * What delivery serves for a requested asset that is missing or rejected:
 * the `d_` default image (an uploaded image, itself deliverable) with the
 * rest of the transformation, or a 404 saying why.
 */
export async function substituteDefault(
  db: D1Database,
  d: DeliveryRequest,
  found: ResourceRow | null,
): Promise<{ d: DeliveryRequest; resource: ResourceRow }> {
  const why = found ? `Resource not found - ${d.publicId} (rejected by moderation)` : `Resource not found - ${d.publicId}`;
  const def = defaultImageOf(d);
  if (!def) throw notFound(why);
  const fallback = await getResource(db, { cloud: d.cloud, resourceType: 'image', type: 'upload', publicId: def.publicId });
  if (!fallback || !isDeliverable(fallback)) throw notFound(why);
  return { d: towardsDefault(d, def), resource: fallback };
}
