import { badRequest } from '../../errors';
import type { Params } from '../../protocol/params';
import { parseSemanticRequest, type SemanticRequest } from '../analysis/semantic';
import { parseModeration, type ModerationStatus } from '../moderation/kinds';

/**
 * The upload parameters that lead to work after (or beside) storing the file:
 * semantic data, notifications, asynchronous eager transformations, moderation.
 */
export interface BackgroundOptions {
  semantic: SemanticRequest;
  notificationUrl: string | null;
  eagerAsync: boolean;
  eagerNotificationUrl: string | null;
  moderation: { kind: string; status: ModerationStatus } | null;
}

/** The URL's form only; where it may point is checked by the guarded fetcher when it is sent. */
function httpUrl(params: Params, key: string): string | null {
  const raw = params.string(key)?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest(`Invalid ${key} ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badRequest(`Invalid ${key} ${raw}: only http and https URLs are supported`);
  return url.href;
}

export function parseBackgroundOptions(params: Params): BackgroundOptions {
  return {
    semantic: parseSemanticRequest(params),
    notificationUrl: httpUrl(params, 'notification_url'),
    eagerAsync: params.bool('eager_async', false),
    eagerNotificationUrl: httpUrl(params, 'eager_notification_url'),
    moderation: parseModeration(params),
  };
}
