import type { Env } from '../../config/env';
import { asCldError, CldError, DomainError } from '../../errors';
import type { UrlBase } from '../../protocol/urls';
import { getResource, type ResourceRow } from '../../storage/resources';
import { eagerUrls, generateEager, parseEager, type EagerSpec } from '../upload/eager';
import { PermanentJobError } from './errors';
import type { EagerJob } from './messages';
import { enqueueNotification } from './notify';

/** An eager transformation as the job carries it: `<transformation>[/<format>]`, as given at upload. */
export const eagerItem = (spec: EagerSpec) => (spec.format ? `${spec.transformation}/${spec.format}` : spec.transformation);

/**
 * What an upload with `eager_async=true` answers for each eager
 * transformation: it is being made (Cloudinary's `"status": "processing"`),
 * with the batch id its notification will carry and the URLs it will have.
 */
export function pendingEager(base: UrlBase, resource: ResourceRow, specs: EagerSpec[], batchId: string): Record<string, unknown>[] {
  return specs.map((spec) => ({
    status: 'processing',
    batch_id: batchId,
    ...eagerUrls(base, resource, spec),
  }));
}

/**
 * The queue job behind `eager_async`: make every eager transformation of the
 * version uploaded (with the same code as synchronous eager), then tell
 * `eager_notification_url` (or the upload's notification URL) the results.
 */
export async function runEagerJob(env: Env, job: EagerJob): Promise<void> {
  const resource = await getResource(env.DB, job.ref);
  if (!resource) throw new PermanentJobError(`Resource not found - ${job.ref.publicId}`);
  if (resource.version !== job.version)
    throw new PermanentJobError(`Version ${job.version} of ${job.ref.publicId} was replaced before its eager transformations ran`);
  let eager;
  try {
    eager = await generateEager(env, job.base, resource, parseEager(job.eager));
  } catch (err) {
    // What the engine refuses (a bad transformation, a limit) it refuses on every attempt.
    const e = err instanceof DomainError ? asCldError(err) : err;
    if (e instanceof CldError && e.status < 500) throw new PermanentJobError(e.message);
    throw err;
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
