import { isDeliverable, getResource, type ResourceRow } from '../storage/resources';
import { notFound } from '../errors';
import type { DeliveryRequest } from '../protocol/delivery-url';
import { parseTransformation } from '../engine/parse';
import type { DefaultImage } from '../engine/types';
import type { PlannedTransformation, Target } from './context';

/** The `d_` of a transformation, if any (the last one wins). */
function defaultImageOf(planned: PlannedTransformation): DefaultImage | undefined {
  let found: DefaultImage | undefined;
  for (const c of planned.plan.components) found = c.params.d ?? found;
  return found;
}

/** The transformation without its `d_` items: what is applied to the default image. */
function withoutDefault(planned: PlannedTransformation): PlannedTransformation {
  const components = planned.components
    .map((segment) =>
      segment
        .split(',')
        .filter((item) => !item.startsWith('d_'))
        .join(','),
    )
    .filter(Boolean);
  return { components, plan: parseTransformation(components, { encoded: true }) };
}

/** The same request aimed at the default image: the rest of the transformation kept. */
function towardsDefault(d: DeliveryRequest, def: DefaultImage, transformations: string[]): DeliveryRequest {
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
  planned: PlannedTransformation,
  found: ResourceRow | null,
): Promise<Target> {
  const why = found ? `Resource not found - ${d.publicId} (rejected by moderation)` : `Resource not found - ${d.publicId}`;
  const def = defaultImageOf(planned);
  if (!def) throw notFound(why);
  const fallback = await getResource(db, { cloud: d.cloud, resourceType: 'image', type: 'upload', publicId: def.publicId });
  if (!fallback || !isDeliverable(fallback)) throw notFound(why);
  const rest = withoutDefault(planned);
  return { d: towardsDefault(d, def, rest.components), planned: rest, resource: fallback, substitute: true };
}
