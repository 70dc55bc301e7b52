import type { Env } from '../env';
import { getSettings } from '../config/settings';
import { refOf, type ResourceRow } from '../storage/resources';
import { semanticFields, wantsAnalysis } from '../analysis/semantic';
import { semanticDataOf } from '../analysis/stored';
import { rememberNotificationUrl } from './asset-notifications';
import type { BackgroundOptions } from './background-options';
import { enqueueNotification } from './notify';

/**
 * What follows storing an upload (or an explicit call), before it answers: the semantic data asked
 * for is added to the answer (and kept for the Admin API), the notification
 * URL is remembered for later events, and the upload notification is queued
 * with the answer as its body.
 */
export async function completeUpload(
  env: Env,
  resource: ResourceRow,
  result: Record<string, unknown>,
  o: BackgroundOptions,
  kind: 'upload' | 'explicit' = 'upload',
): Promise<Record<string, unknown>> {
  const answer = { ...result };
  if (wantsAnalysis(o.semantic)) Object.assign(answer, semanticFields(await semanticDataOf(env, resource, o.semantic), o.semantic));
  // An upload that kept the existing asset (overwrite=false) changed nothing about it.
  if (kind === 'upload' && !answer.existing) await rememberNotificationUrl(env.DB, refOf(resource), o.notificationUrl);
  const url = o.notificationUrl ?? (await getSettings(env.CONFIG, resource.cloud)).notification_url;
  if (url) await enqueueNotification(env, resource.cloud, url, { notification_type: kind, ...answer });
  return answer;
}
