import { badRequest } from '../../errors';
import type { Env } from '../../config/env';
import { configFrom } from '../../config/config';
import { deliveryUrls, type UrlBase } from '../../protocol/urls';
import type { ImageFormat } from '../../engine/sniff';
import type { ResourceRow } from '../../storage/resources';
import { ensureDerived } from '../derived/derive';
import { transformImage } from '../../engine/engine';
import { layerSources } from '../derived/layer-sources';
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
 * last segment without `_` is the format (the SDKs' `format` option). Parsed up front, so a
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
  return transformImage(bytes, plan, { limits: configFrom(env).limits, sources: layerSources(env, cloud) });
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
 * Generates each eager variant now through the same ensureDerived as
 * delivery (single flight included), stored under the key the delivery path
 * computes for the same URL and recorded as eager, so delivery serves it
 * without work and strict transformations can see it was eager. `original`:
 * the bytes just uploaded, when the caller holds them.
 */
export async function generateEager(
  env: Env,
  base: UrlBase,
  resource: ResourceRow,
  specs: EagerSpec[],
  original?: Uint8Array,
): Promise<EagerResult[]> {
  const out: EagerResult[] = [];
  for (const spec of specs) {
    const extension = spec.format ?? resource.format ?? undefined;
    const resolved = resolveOutput(
      spec.plan,
      { format: (resource.format ?? 'jpg') as ImageFormat, pages: resource.pages, width: resource.width, height: resource.height },
      { extension },
    );
    const obj = await ensureDerived(env, resource, spec.plan, resolved, { eager: true, original });
    if (obj.body instanceof ReadableStream) obj.body.cancel().catch(() => undefined);
    out.push({
      transformation: spec.transformation,
      width: obj.width,
      height: obj.height,
      bytes: obj.bytes,
      format: obj.format,
      ...eagerUrls(base, resource, spec),
    });
  }
  return out;
}
