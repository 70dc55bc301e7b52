import type { Env } from '../../config/env';
import { getSettings } from '../../config/settings';
import type { UrlBase } from '../../protocol/urls';
import { refOf, type ResourceRow } from '../../storage/resources';
import { randomId } from '../../auth/crypto';
import { semanticFields, wantsAnalysis } from '../analysis/semantic';
import { semanticDataOf } from '../analysis/stored';
import { givenFaces } from '../analysis/given-faces';
import { rememberNotificationUrl } from '../../storage/jobs';
import type { BackgroundOptions } from './background-options';
import { eagerItem, pendingEager } from './eager';
import type { EagerSpec } from '../upload/eager';
import type { EagerJob } from './messages';
import { enqueueNotification } from './notify';

export interface Completion {
  base: UrlBase;
  resource: ResourceRow;
  /** The answer as built so far (Cloudinary's upload JSON). */
  result: Record<string, unknown>;
  options: BackgroundOptions;
  /** Eager transformations left for the queue (`eager_async=true`), parsed before anything was stored. */
  asyncEager: EagerSpec[];
  kind: 'upload' | 'explicit';
}

/**
 * What follows storing an upload (or an explicit call), before it answers:
 * the semantic data asked for is added to the answer (and kept for the Admin
 * API), asynchronous eager transformations are queued and reported pending,
 * the notification URL is remembered for later events (moderation), and the
 * notification is queued with the answer as its body.
 */
export async function completeUpload(env: Env, c: Completion): Promise<Record<string, unknown>> {
  const { resource, options: o } = c;
  const answer = { ...c.result };
  if (wantsAnalysis(o.semantic)) Object.assign(answer, semanticFields(await semanticDataOf(env, resource, o.semantic), o.semantic));
  // Detected faces are also the asset's face coordinates (what g_face uses) until face_coordinates replace them.
  const faces = answer.faces;
  if (Array.isArray(faces) && faces.length && !givenFaces(resource))
    answer.coordinates = { ...(answer.coordinates as Record<string, unknown> | undefined), faces };
  const settingsUrl = (await getSettings(env.CONFIG, resource.cloud)).notification_url;
  const notificationUrl = o.notificationUrl ?? settingsUrl;

  if (c.asyncEager.length) {
    const batchId = randomId(32);
    const job: EagerJob = {
      kind: 'eager',
      ref: refOf(resource),
      version: resource.version,
      eager: c.asyncEager.map(eagerItem),
      notificationUrl: o.eagerNotificationUrl ?? notificationUrl,
      batchId,
      base: c.base,
    };
    await env.JOBS.send(job, { contentType: 'json' });
    answer.eager = pendingEager(c.base, resource, c.asyncEager, batchId);
  }
  // An upload that kept the existing asset (overwrite=false) changed nothing about it.
  if (c.kind === 'upload' && !answer.existing) await rememberNotificationUrl(env.DB, refOf(resource), o.notificationUrl);
  if (notificationUrl) await enqueueNotification(env, resource.cloud, notificationUrl, { notification_type: c.kind, ...answer });
  return answer;
}
