import type { Env } from '../env';
import { purgeAsset } from '../cache/purge';
import { refOf, type ResourceRow } from '../storage/resources';

export type ModerationStatus = 'pending' | 'approved' | 'rejected';

/** A moderation decision taken through the Admin API `update`. */
export interface ModerationChange {
  /** The resource after the change. */
  resource: ResourceRow;
  kind: string;
  from: string | null;
  to: ModerationStatus;
}

/**
 * Everything that follows a moderation decision. The background-work issue
 * adds its notification here; a rejected asset leaves the edge cache at once
 * so it stops being served from there.
 */
export async function onModerationChange(env: Env, change: ModerationChange): Promise<void> {
  if (change.to === 'rejected') await purgeAsset(env, refOf(change.resource));
}
