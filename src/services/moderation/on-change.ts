import type { Env } from '../../config/env';
import type { UrlBase } from '../../protocol/urls';
import type { ResourceRow } from '../../storage/resources';
import { moderationChanged } from './status';

export type ModerationStatus = 'pending' | 'approved' | 'rejected';

/** A moderation decision taken through the Admin API `update`. */
export interface ModerationChange {
  /** The resource after the change. */
  resource: ResourceRow;
  kind: string;
  from: string | null;
  to: ModerationStatus;
  /** Where the notification's URLs point (the host the Admin API call reached). */
  base?: UrlBase;
}

/**
 * Everything that follows a moderation decision (src/services/moderation/status.ts):
 * the asset's cached answers are purged (a rejected asset stops being served,
 * an approved one stops showing its default image) and its notification URL
 * is told.
 */
export async function onModerationChange(env: Env, change: ModerationChange): Promise<void> {
  await moderationChanged(env, change.resource, change.from, change.base);
}
