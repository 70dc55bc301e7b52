import type { Env } from '../env';
import { CldError, badRequest, notFound } from '../errors';
import { limitsFrom } from '../config/limits';
import { deliveryUrls, type UrlBase } from '../delivery/urls';
import type { ImageFormat } from '../media/sniff';
import { getResource, type ResourceRow } from '../storage/resources';
import { variantOf } from '../transform/deliver';
import { derivedObjectKey, storeDerived, variantHash } from '../transform/derived-store';
import { runPlan } from '../transform/engine';
import { inspectSource } from '../transform/inspect';
import { resolveOutput } from '../transform/negotiate';
import { parseTransformation } from '../transform/parse';
import { PermanentJobError } from './errors';
import type { EagerJob } from './messages';
import { enqueueNotification } from './notify';

/** One eager transformation as given: `<transformation>[/<extension>]` (the SDKs' `build_eager`, spec §2.7). */
export interface EagerSpec {
  transformation: string;
  extension?: string;
}

export function parseEagerSpec(raw: string): EagerSpec {
  const parts = raw.split('/').filter(Boolean);
  const last = parts[parts.length - 1];
  // A last part with no `_` cannot be a transformation component: it names the format.
  if (parts.length > 1 && last && /^[a-z0-9]+$/i.test(last)) return { transformation: parts.slice(0, -1).join('/'), extension: last.toLowerCase() };
  return { transformation: parts.join('/') };
}

/** An eager result as Cloudinary lists it in answers and notifications. */
export interface EagerResult {
  transformation: string;
  width: number;
  height: number;
  bytes: number;
  format: string;
  url: string;
  secure_url: string;
}

/**
 * Makes (or finds, when delivery made it first) the derived image of one
 * eager transformation and indexes it as eager. The object key is the one
 * delivery uses for the same URL, so the URL is then served from R2.
 */
export async function produceEager(env: Env, base: UrlBase, resource: ResourceRow, raw: string): Promise<EagerResult> {
  const spec = parseEagerSpec(raw);
  const plan = parseTransformation(spec.transformation);
  const resolved = resolveOutput(plan, { format: (resource.format ?? 'jpg') as ImageFormat }, { extension: spec.extension });
  const variant = variantOf(plan, resolved);
  const key = derivedObjectKey(resource, await variantHash(variant));
  const urls = deliveryUrls(base, {
    cloud: resource.cloud,
    resourceType: resource.resource_type,
    type: resource.type,
    transformation: spec.transformation,
    version: resource.version,
    publicId: resource.public_id,
    format: spec.extension ?? resource.format,
  });

  const known = await env.BUCKET.head(key);
  if (known?.customMetadata?.width) {
    await env.DB.prepare('UPDATE derived SET eager = 1 WHERE r2_key = ?').bind(key).run();
    const format = resolved.format;
    return { transformation: spec.transformation, width: Number(known.customMetadata.width), height: Number(known.customMetadata.height), bytes: known.size, format, ...urls };
  }
  const original = await env.BUCKET.get(resource.r2_key);
  if (!original) throw notFound(`Resource not found - ${resource.public_id}`);
  const input = new Uint8Array(await original.arrayBuffer());
  const info = inspectSource(input);
  const out = await runPlan(input, info, plan, { ...resolved, lossless: resolved.lossless && !info.lossy }, limitsFrom(env));
  await storeDerived(env, {
    resource,
    key,
    transformation: variant,
    format: out.format,
    bytes: out.bytes,
    contentType: out.contentType,
    width: out.width,
    height: out.height,
    eager: true,
  });
  return { transformation: spec.transformation, width: out.width, height: out.height, bytes: out.bytes.length, format: out.format, ...urls };
}

/** Checks the eager list of an `eager_async` upload before it answers, so a typo is a 400 now, not a failure later. */
export function checkEagerList(eager: string[]): void {
  for (const raw of eager) {
    const spec = parseEagerSpec(raw);
    if (!spec.transformation) throw badRequest(`Invalid eager transformation ${raw}`);
    parseTransformation(spec.transformation);
  }
}

/** What an upload with `eager_async=true` answers for each eager transformation. */
export function pendingEager(base: UrlBase, resource: ResourceRow, eager: string[], batchId: string): Record<string, unknown>[] {
  return eager.map((raw) => {
    const spec = parseEagerSpec(raw);
    const urls = deliveryUrls(base, {
      cloud: resource.cloud,
      resourceType: resource.resource_type,
      type: resource.type,
      transformation: spec.transformation,
      version: resource.version,
      publicId: resource.public_id,
      format: spec.extension ?? resource.format,
    });
    return { status: 'processing', batch_id: batchId, ...urls };
  });
}

/**
 * The queue job behind `eager_async`: produce every eager transformation of
 * the version uploaded, then tell `eager_notification_url` (or the upload's
 * `notification_url`) the results.
 */
export async function runEagerJob(env: Env, job: EagerJob): Promise<void> {
  const resource = await getResource(env.DB, job.ref);
  if (!resource) throw new PermanentJobError(`Resource not found - ${job.ref.publicId}`);
  if (resource.version !== job.version) throw new PermanentJobError(`Version ${job.version} of ${job.ref.publicId} was replaced before its eager transformations ran`);
  const eager: EagerResult[] = [];
  for (const raw of job.eager) {
    try {
      eager.push(await produceEager(env, job.base, resource, raw));
    } catch (err) {
      // A transformation the engine refuses will be refused on every attempt.
      if (err instanceof CldError && err.status < 500) throw new PermanentJobError(`${raw}: ${err.message}`);
      throw err;
    }
  }
  if (!job.notificationUrl) return;
  await enqueueNotification(env, resource.cloud, job.notificationUrl, {
    notification_type: 'eager',
    eager,
    batch_id: job.batchId,
    asset_id: resource.asset_id,
    public_id: resource.public_id,
    version: resource.version,
    resource_type: resource.resource_type,
    type: resource.type,
  });
}
