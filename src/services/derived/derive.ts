import type { Env } from '../../config/env';
import { notFound } from '../../errors';
import { limitsFrom } from '../../config/limits';
import { isRealVersion, type DeliveryRequest } from '../../protocol/delivery-url';
import { cacheControl, deliveryHeaders, respondWithBody } from '../../protocol/delivery-headers';
import type { ResourceRow } from '../../storage/resources';
import type { ImageFormat } from '../../engine/sniff';
import { derivedObjectKey, readDerived, storeDerived, variantHash, type DerivedObject } from './store';
import { runPlan } from '../../engine/engine';
import { inspectSource } from '../../engine/inspect';
import { layerSources } from './layer-sources';
import { expandNamed, namedLookupFor, type NamedLookup } from '../named-transformations';
import { resolveOutput, type Resolved } from '../../engine/negotiate';
import { parseTransformation } from '../../engine/parse';
import { shared, underLease } from './single-flight';
import type { Plan } from '../../engine/types';
import type { AssetFacts } from '../../engine/expressions/evaluate';
import { usesAssetFacts } from '../../engine/resolve-plan';
import { assetFacts, factsKey } from './asset-facts';

/**
 * The derived-image stage of delivery: parse the transformation, resolve what
 * this request gets (format, quality, dpr), then serve the derived object from
 * R2 or make it once (single flight) and store it there.
 */
export async function deliverDerived(req: Request, env: Env, d: DeliveryRequest, resource: ResourceRow): Promise<Response> {
  const plan = parseTransformation(await expandNamed(d.transformations, namedLookup(env, d.cloud), true), { encoded: true });
  const resolved = resolveOutput(
    plan,
    { format: (resource.format ?? 'jpg') as ImageFormat },
    {
      accept: req.headers.get('Accept'),
      dpr: req.headers.get('Sec-CH-DPR') ?? req.headers.get('DPR'),
      width: req.headers.get('Sec-CH-Width') ?? req.headers.get('Width'),
      extension: d.format,
    },
  );
  const derived = await ensureDerived(env, resource, plan, resolved);
  if (plan.output.flags.has('getinfo')) return respondInfo(req, env, d, resource, derived);
  return respondDerived(req, env, d, plan, derived);
}

/** `fl_getinfo`: Cloudinary's JSON about the transformation instead of the image: the input's and the output's size and format. */
function respondInfo(req: Request, env: Env, d: DeliveryRequest, resource: ResourceRow, obj: DerivedObject): Response {
  if (obj.body instanceof ReadableStream) obj.body.cancel().catch(() => undefined);
  const info = {
    input: { width: resource.width, height: resource.height, bytes: resource.bytes, format: resource.format },
    output: { width: obj.width, height: obj.height, format: obj.contentType.split('/')[1]?.replace('jpeg', 'jpg'), bytes: obj.bytes },
  };
  const body = new TextEncoder().encode(JSON.stringify(info));
  const headers = deliveryHeaders(
    { contentType: 'application/json', bytes: body.length, etag: `${obj.etag}-info`, lastModified: obj.uploaded },
    cacheControl(isRealVersion(d.version), limitsFrom(env).unversionedMaxAge),
  );
  return respondWithBody(req, body, headers);
}

/**
 * The stored derived object of one variant: read from R2, or made once
 * (single flight inside the isolate, a D1 lease across isolates) and stored.
 */
export async function ensureDerived(
  env: Env,
  resource: ResourceRow,
  plan: Plan,
  resolved: Resolved,
  eager = false,
): Promise<DerivedObject & { key: string }> {
  const facts = usesAssetFacts(plan.components) ? await assetFacts(env.DB, resource) : undefined;
  const variant = variantOf(plan, resolved, facts);
  const key = derivedObjectKey(resource, await variantHash(variant));
  const found = eager ? undefined : await readDerived(env.BUCKET, key);
  const obj =
    found ??
    (await shared(key, () =>
      underLease(
        env.DB,
        key,
        () => (eager ? Promise.resolve(undefined) : readDerived(env.BUCKET, key, true)),
        () => makeDerived(env, resource, plan, resolved, variant, key, eager, facts),
      ),
    ));
  return { ...obj, key };
}

export interface EagerResult {
  /** The canonical transformation string (what Cloudinary answers as `transformation`). */
  transformation: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
}

/**
 * An eager transformation of a stored image (Upload API `eager`, `explicit`):
 * made now, stored in R2 where delivery URLs of the same variant find it, and
 * recorded in D1 with eager=1. `transformation` is one eager entry without
 * its `/<format>` suffix; `format` is that suffix (or the asset's format).
 */
export async function deriveEager(env: Env, resource: ResourceRow, transformation: string, format?: string): Promise<EagerResult> {
  const plan = parseTransformation(await expandNamed(transformation.split('/'), namedLookup(env, resource.cloud), false), {
    encoded: false,
  });
  const resolved = resolveOutput(plan, { format: (resource.format ?? 'jpg') as ImageFormat }, { extension: format || undefined });
  const obj = await ensureDerived(env, resource, plan, resolved, true);
  return { transformation: plan.canonical, format: resolved.format, width: obj.width, height: obj.height, bytes: obj.bytes };
}

const namedLookup = (env: Env, cloud: string): NamedLookup => namedLookupFor(env.CONFIG, cloud);

/** What identifies one stored variant: the canonical transformation plus every value resolved from the request. */
export function variantOf(plan: Plan, r: Resolved, facts?: AssetFacts): string {
  const parts = [plan.canonical, r.format];
  if (plan.dependsOn.accept) parts.push(`q${r.quality}`);
  if (plan.dependsOn.dpr) parts.push(`dpr${r.dpr}`);
  if (plan.dependsOn.width) parts.push(`w${r.width ?? 'none'}`);
  if (facts) parts.push(`facts${factsKey(facts)}`);
  return parts.join('|');
}

async function makeDerived(
  env: Env,
  resource: ResourceRow,
  plan: Plan,
  resolved: Resolved,
  variant: string,
  key: string,
  eager: boolean,
  facts?: AssetFacts,
): Promise<DerivedObject> {
  const original = await env.BUCKET.get(resource.r2_key);
  if (!original) throw notFound(`Resource not found - ${resource.public_id}`);
  const input = new Uint8Array(await original.arrayBuffer());
  const info = inspectSource(input);
  const limits = limitsFrom(env);
  const result = await runPlan(
    input,
    info,
    plan,
    { ...resolved, lossless: resolved.lossless && !info.lossy },
    limits,
    layerSources(env, resource.cloud),
    facts,
  );
  return storeDerived(env, {
    resource,
    key,
    transformation: variant,
    format: result.format,
    bytes: result.bytes,
    contentType: result.contentType,
    width: result.width,
    height: result.height,
    eager,
  });
}

function respondDerived(req: Request, env: Env, d: DeliveryRequest, plan: Plan, obj: DerivedObject): Response {
  const extra: Record<string, string> = {};
  const vary = [
    plan.dependsOn.accept ? 'Accept' : '',
    plan.dependsOn.dpr ? 'DPR, Sec-CH-DPR' : '',
    plan.dependsOn.width ? 'Width, Sec-CH-Width' : '',
  ].filter(Boolean);
  if (vary.length) extra.Vary = vary.join(', ');
  if (plan.output.flags.has('attachment')) extra['Content-Disposition'] = attachment(d, plan, obj.contentType);
  const headers = deliveryHeaders(
    { contentType: obj.contentType, bytes: obj.bytes, etag: obj.etag, lastModified: obj.uploaded },
    cacheControl(isRealVersion(d.version), limitsFrom(env).unversionedMaxAge),
    extra,
  );
  return respondWithBody(req, obj.body, headers);
}

function attachment(d: DeliveryRequest, plan: Plan, contentType: string): string {
  const ext = contentType.split('/')[1]?.replace('jpeg', 'jpg').replace('svg+xml', 'svg') ?? 'bin';
  const base = plan.output.attachmentName ?? d.publicId.split('/').pop() ?? 'download';
  const name = `${base}.${ext}`;
  return `attachment; filename="${name.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
