import type { Env } from '../../config/env';
import { randomId } from '../../auth/crypto';
import { jobBodyKey } from '../../storage/keys';
import { findCloud } from '../../config/clouds';
import { notificationHeaders } from '../../auth/notification-signature';
import { guardedRequest } from '../remote/fetcher';
import { allowPrivateFrom, checkRemoteUrl } from '../remote/policy';
import { PermanentJobError } from './errors';
import type { NotifyJob } from './messages';

/** What a webhook receiver may answer: read and dropped, so a small bound is enough. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** A receiver that takes longer is treated as down and tried again later. */
const DELIVERY_TIMEOUT_MS = 10_000;
/** Queue messages carry at most 128 KB; a larger body (much image metadata) waits in R2 instead. */
const MAX_INLINE_BODY_BYTES = 100 * 1024;

/**
 * Queues a signed POST of `payload` (as JSON) to `url` for `cloud`. The
 * signature is made when each attempt is sent, so its timestamp is fresh
 * even after long retries (the SDKs refuse timestamps older than 2 hours).
 */
export async function enqueueNotification(env: Env, cloud: string, url: string, payload: Record<string, unknown>): Promise<void> {
  const body = JSON.stringify(payload);
  let job: NotifyJob = { kind: 'notify', cloud, url, body };
  if (new TextEncoder().encode(body).byteLength > MAX_INLINE_BODY_BYTES) {
    const key = jobBodyKey(cloud, randomId(24));
    await env.BUCKET.put(key, body, { httpMetadata: { contentType: 'application/json' } });
    job = { kind: 'notify', cloud, url, bodyKey: key };
  }
  await env.JOBS.send(job, { contentType: 'json' });
}

/** One attempt at delivering a notification; a throw means "try again later". */
export async function deliverNotification(env: Env, job: NotifyJob): Promise<void> {
  const cloud = findCloud(env, job.cloud);
  if (!cloud) throw new PermanentJobError(`Unknown cloud ${job.cloud}`);
  let url: string;
  try {
    url = checkRemoteUrl(job.url, { allowPrivate: allowPrivateFrom(env) }).href;
  } catch (err) {
    throw new PermanentJobError(err instanceof Error ? err.message : String(err));
  }
  const body = job.body ?? (await (await env.BUCKET.get(job.bodyKey ?? ''))?.text());
  if (body === undefined) throw new PermanentJobError(`Notification body ${job.bodyKey} is missing from storage`);
  const answer = await guardedRequest(url, {
    allowPrivate: allowPrivateFrom(env),
    method: 'POST',
    headers: await notificationHeaders(body, cloud.apiSecret),
    body,
    maxBytes: MAX_ANSWER_BYTES,
    timeoutMs: DELIVERY_TIMEOUT_MS,
  });
  if (answer.status < 200 || answer.status > 299) throw new Error(`${url} answered ${answer.status}`);
  if (job.bodyKey) await env.BUCKET.delete(job.bodyKey);
}
