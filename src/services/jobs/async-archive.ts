import type { Env } from '../../config/env';
import { asSeenBy, findCloud, keyOf, type CloudCredentials } from '../../config/clouds';
import { getSettings } from '../../config/settings';
import { asCldError, badRequest, CldError, DomainError } from '../../errors';
import { Params } from '../../protocol/params';
import type { UrlBase } from '../../protocol/urls';
import { randomId } from '../../auth/crypto';
import { createArchive } from '../archive/archive';
import { archiveEntries } from '../archive/entries';
import { parseArchiveRequest } from '../archive/request';
import { PermanentJobError } from './errors';
import type { ArchiveJob } from './messages';
import { enqueueNotification } from './notify';

/** A queue message is at most 128 KB; the parameters must leave room for the rest. */
const MAX_FIELDS_JSON = 96 * 1024;

/**
 * `generate_archive` with `async=true`: the request is checked now (a bad one
 * is refused in the call), the archive is created by the queue and the
 * notification URL (the call's, else the cloud's) is told the result.
 */
export async function queueArchive(
  env: Env,
  cloud: CloudCredentials,
  signerKey: string,
  rt: string,
  params: Params,
  base: UrlBase,
): Promise<Record<string, unknown>> {
  const fields = Object.fromEntries(Object.entries(params.fields).filter(([k]) => k !== 'async'));
  if (JSON.stringify(fields).length > MAX_FIELDS_JSON) throw badRequest('Archive parameters too large for an async archive');
  parseArchiveRequest(new Params(fields), rt, 'create');
  const batchId = randomId(32);
  const job: ArchiveJob = { kind: 'archive', cloud: cloud.cloudName, signerKey, rt, fields, base, batchId };
  await env.JOBS.send(job, { contentType: 'json' });
  return { status: 'processing', batch_id: batchId };
}

export async function runArchiveJob(env: Env, job: ArchiveJob): Promise<void> {
  const found = findCloud(env, job.cloud);
  if (!found) throw new PermanentJobError(`Unknown cloud ${job.cloud}`);
  const signer = keyOf(found, job.signerKey);
  if (!signer) throw new PermanentJobError(`The key that asked for archive ${job.batchId} is gone`);
  const cloud = asSeenBy(found, signer);
  const params = new Params(job.fields);
  const url = params.string('notification_url') || (await getSettings(env.CONFIG, job.cloud)).notification_url;
  let answer: Record<string, unknown>;
  try {
    const req = parseArchiveRequest(params, job.rt, 'create');
    ({ answer } = await createArchive(env, cloud, job.base, req, await archiveEntries(env, job.cloud, req)));
  } catch (err) {
    const e = err instanceof DomainError ? asCldError(err) : err;
    // What the archive refuses (nothing selected, too large) it refuses on every attempt: say so and stop.
    if (!(e instanceof CldError) || e.status >= 500) throw err;
    if (url)
      await enqueueNotification(env, job.cloud, url, {
        notification_type: 'archive',
        status: 'failed',
        batch_id: job.batchId,
        error: { message: e.message },
      });
    throw new PermanentJobError(e.message);
  }
  if (url)
    await enqueueNotification(env, job.cloud, url, { notification_type: 'archive', status: 'complete', batch_id: job.batchId, ...answer });
}
