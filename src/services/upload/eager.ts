import { badRequest } from '../../errors';
import type { Env } from '../../config/env';
import { limitsFrom } from '../../config/limits';
import { deliveryUrls, type UrlBase } from '../../protocol/urls';
import type { ImageFormat } from '../../engine/sniff';
import type { ResourceRow } from '../../storage/resources';
import { variantOf } from '../derived/derive';
import { layerSources } from '../derived/layer-sources';
import { derivedObjectKey, storeDerived, variantHash } from '../derived/store';
import { runPlan, transformImage } from '../../engine/engine';
import { inspectSource } from '../../engine/inspect';
import { resolveOutput } from '../../engine/negotiate';
import { parseTransformation } from '../../engine/parse';
import type { Plan } from '../../engine/types';

/** One eager transformation as requested: its components and an optional output format (`.../jpg`). */
export interface EagerSpec {
  /** The transformation as given, without the format: what the answer and the URL carry. */
  transformation: string;
  format: string | undefined;
  plan: Plan;
}

/** The most eager transformations one call may ask for; each is generated during the call. */
const MAX_EAGER = 10;

/**
 * `c_pad,h_300,w_400|c_crop,h_200,w_260/jpg` was split on `|` already; a
 * last segment without `_` is the format (spec §2.7). Parsed up front, so a
 * bad eager list is refused before anything is stored.
 */
export function parseEager(items: string[]): EagerSpec[] {
  if (items.length > MAX_EAGER) throw badRequest(`Too many eager transformations (maximum ${MAX_EAGER})`);
  return items.map((item) => {
    const segments = item.split('/');
    const last = segments[segments.length - 1];
    const hasFormat = segments.length > 1 && !last.includes('_');
    const transformation = (hasFormat ? segments.slice(0, -1) : segments).join('/');
    if (!transformation) throw badRequest(`Invalid eager transformation ${JSON.stringify(item)}`);
    return { transformation, format: hasFormat && last ? last.toLowerCase() : undefined, plan: parseTransformation(transformation) };
  });
}

/** Parses an incoming transformation, refusing a malformed one before anything is stored. */
export const parseIncoming = (transformation: string): Plan => parseTransformation(transformation);

/** Runs the incoming transformation on the received bytes; the result is what gets stored. */
export async function applyIncoming(env: Env, cloud: string, bytes: Uint8Array, plan: Plan) {
  return transformImage(bytes, plan, { limits: limitsFrom(env), sources: layerSources(env, cloud) });
}

export interface EagerResult {
  transformation: string;
  width: number;
  height: number;
  bytes: number;
  format: string;
  url: string;
  secure_url: string;
}

/** The delivery URLs of one eager variant, as the SDK builds them (its extension, else the original's). */
export const eagerUrls = (base: UrlBase, resource: ResourceRow, spec: EagerSpec) =>
  deliveryUrls(base, {
    cloud: resource.cloud,
    resourceType: resource.resource_type,
    type: resource.type,
    transformation: spec.transformation,
    version: resource.version,
    publicId: resource.public_id,
    format: spec.format ?? resource.format,
  });

/**
 * Generates each eager variant now and stores it as a derived image (eager=1)
 * under the key the delivery path computes for the same URL, so delivery
 * serves it without work and strict transformations can see it was eager.
 */
export async function generateEager(
  env: Env,
  base: UrlBase,
  resource: ResourceRow,
  specs: EagerSpec[],
  original: Uint8Array,
): Promise<EagerResult[]> {
  if (!specs.length) return [];
  const info = inspectSource(original);
  const limits = limitsFrom(env);
  const out: EagerResult[] = [];
  for (const spec of specs) {
    const extension = spec.format ?? resource.format ?? undefined;
    const resolved = resolveOutput(spec.plan, { format: (resource.format ?? 'jpg') as ImageFormat }, { extension });
    const result = await runPlan(
      original,
      info,
      spec.plan,
      { ...resolved, lossless: resolved.lossless && !info.lossy },
      limits,
      // Layers (l_text, l_<public id>, l_fetch) resolve as on delivery, within the asset's cloud.
      layerSources(env, resource.cloud),
    );
    const variant = variantOf(spec.plan, resolved);
    await storeDerived(env, {
      resource,
      key: derivedObjectKey(resource, await variantHash(variant)),
      transformation: variant,
      format: result.format,
      bytes: result.bytes,
      contentType: result.contentType,
      width: result.width,
      height: result.height,
      eager: true,
    });
    out.push({
      transformation: spec.transformation,
      width: result.width,
      height: result.height,
      bytes: result.bytes.length,
      format: result.format,
      ...eagerUrls(base, resource, spec),
    });
  }
  return out;
}
