import { badRequest } from '../../errors';
import type { Params } from '../../protocol/params';

export type ModerationStatus = 'pending' | 'approved' | 'rejected';
export const MODERATION_STATUSES: readonly ModerationStatus[] = ['pending', 'approved', 'rejected'];

/** Cloudinary's automatic moderation add-ons: known names, but not available here. */
const ADD_ON_KINDS = new Set([
  'aws_rek',
  'aws_rek_video',
  'webpurify',
  'google_video_moderation',
  'duplicate',
  'perception_point',
  'metascan',
]);

/** `moderation=manual` puts a new upload in the pending queue; other kinds are add-ons this worker lacks. */
export function parseModeration(params: Params): { kind: string; status: ModerationStatus } | null {
  const raw = params.string('moderation');
  if (!raw) return null;
  const kinds = raw.split('|').map((k) => k.trim().split(':')[0]);
  for (const kind of kinds) {
    if (kind === 'manual') continue;
    if (ADD_ON_KINDS.has(kind)) throw badRequest(`Moderation kind ${kind} is not available (add-on not enabled)`);
    throw badRequest(`Invalid moderation kind ${kind}`);
  }
  return { kind: 'manual', status: 'pending' };
}
