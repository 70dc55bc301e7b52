import type { Env } from '../../config/env';
import { asSeenBy, findCloud, keyOf } from '../../config/clouds';
import { getSettings } from '../../config/settings';
import { asCldError, CldError, DomainError, badRequest } from '../../errors';
import { Params } from '../../protocol/params';
import type { UrlBase } from '../../protocol/urls';
import { randomId } from '../../auth/crypto';
import { parseUploadOptions } from '../upload/options';
import { storeUpload, type ReceivedFile } from '../upload/upload';
import { StagedFile } from '../upload/staging';
import { fetchRemoteFile } from '../upload/remote-file';
import { PermanentJobError } from './errors';
import type { UploadJob } from './messages';
import { enqueueNotification } from './notify';

/** A queue message is at most 128 KB; the parameters must leave room for the rest. */
const MAX_FIELDS_JSON = 96 * 1024;

/** Where a received file waits for its job: outside every cloud's asset keys. */
const asyncKey = (cloud: string, batchId: string) => `async-uploads/${cloud}/${batchId}`;

export interface AsyncUploadRequest {
  cloud: string;
  signerKey: string | null;
  signed: boolean;
  requested: UploadJob['requested'];
  params: Params;
  file: { staged: StagedFile; filename: string | null } | { url: string };
  base: UrlBase;
}

/**
 * `async=true`: keeps the received file in R2, queues the upload and answers
 * at once with Cloudinary's pending shape. The queue stores it exactly as a
 * synchronous upload would (src/services/jobs/async-upload.ts runAsyncUpload),
 * and the upload's notification (notification_url, or the cloud's) carries
 * the full answer.
 */
export async function queueUpload(env: Env, r: AsyncUploadRequest): Promise<Record<string, unknown>> {
  const fields = Object.fromEntries(Object.entries(r.params.fields).filter(([k]) => k !== 'file' && k !== 'async'));
  if (JSON.stringify(fields).length > MAX_FIELDS_JSON) throw badRequest('Upload parameters too large for an async upload');
  const batchId = randomId(32);
  let source: UploadJob['source'];
  if ('url' in r.file) source = { url: r.file.url };
  else {
    const key = asyncKey(r.cloud, batchId);
    // A staged file in R2 streams across (its length is known); a small one is in memory.
    await env.BUCKET.put(key, await r.file.staged.body());
    source = { key, filename: r.file.filename };
  }
  const job: UploadJob = {
    kind: 'upload',
    cloud: r.cloud,
    signerKey: r.signerKey,
    signed: r.signed,
    requested: r.requested,
    fields,
    source,
    base: r.base,
    batchId,
  };
  await env.JOBS.send(job, { contentType: 'json' });
  const publicId = r.params.string('public_id');
  return { status: 'pending', batch_id: batchId, type: r.params.string('type') || 'upload', ...(publicId ? { public_id: publicId } : {}) };
}

/** The queue's side of `async=true`: the upload, then the kept file is removed. */
export async function runAsyncUpload(env: Env, job: UploadJob): Promise<void> {
  const found = findCloud(env, job.cloud);
  if (!found) throw new PermanentJobError(`Unknown cloud ${job.cloud}`);
  const signer = job.signerKey ? keyOf(found, job.signerKey) : undefined;
  const cloud = signer ? asSeenBy(found, signer) : found;
  const params = new Params(job.fields);
  try {
    const options = parseUploadOptions(params, job.signed);
    const file: ReceivedFile =
      'url' in job.source
        ? await fetchRemoteFile(env, new URL(job.source.url))
        : { file: await StagedFile.fromObject(env.BUCKET, job.source.key), filename: job.source.filename };
    await storeUpload({ env, cloud, base: job.base }, job.requested, file, options);
  } catch (err) {
    const e = err instanceof DomainError ? asCldError(err) : err;
    // What the upload refuses (a bad file, a bad option) it refuses on every attempt: say so and stop.
    if (!(e instanceof CldError) || e.status >= 500) throw err;
    await notifyFailure(env, job, params, e.message);
    await discard(env, job);
    throw new PermanentJobError(e.message);
  }
  await discard(env, job);
}

async function discard(env: Env, job: UploadJob) {
  if ('key' in job.source) await env.BUCKET.delete(job.source.key);
}

async function notifyFailure(env: Env, job: UploadJob, params: Params, message: string) {
  const url = params.string('notification_url') || (await getSettings(env.CONFIG, job.cloud)).notification_url;
  if (!url) return;
  await enqueueNotification(env, job.cloud, url, {
    notification_type: 'upload',
    status: 'failed',
    batch_id: job.batchId,
    ...(params.string('public_id') ? { public_id: params.string('public_id') } : {}),
    error: { message },
  });
}
