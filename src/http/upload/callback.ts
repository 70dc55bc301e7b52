import type { Env } from '../../config/env';
import type { CloudCredentials } from '../../config/clouds';
import { getSettings } from '../../config/settings';
import { originAllowed } from '../cors';
import { badRequest } from '../../errors';
import type { Params } from '../../protocol/params';

/**
 * The `callback` parameter of legacy form posts: instead of JSON the upload
 * answers with a redirect to the callback URL carrying the result in its
 * query. Only origins listed in `allowed_upload_origins` may be redirected to
 * (none listed: no callback redirects at all), so the worker is never an open
 * redirect. Checked before anything is stored.
 */
export interface UploadCallback {
  redirect(result: Record<string, unknown>): Response;
}

export async function uploadCallback(env: Env, cloud: CloudCredentials, params: Params): Promise<UploadCallback | null> {
  const raw = params.string('callback');
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest(`Invalid callback URL ${raw}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badRequest(`Invalid callback URL ${raw}`);
  const allowed = (await getSettings(env.CONFIG, cloud.cloudName)).allowed_upload_origins;
  if (!allowed.length || !originAllowed(allowed, url.origin)) {
    throw badRequest(`Callback URL ${url.origin} is not an allowed upload origin of this cloud`);
  }
  return {
    redirect(result) {
      const target = new URL(url);
      for (const [k, v] of Object.entries(result)) {
        if (v === undefined || v === null) continue;
        target.searchParams.append(k, typeof v === 'string' ? v : JSON.stringify(v));
      }
      return new Response(null, { status: 302, headers: { Location: target.toString(), 'Cache-Control': 'no-store' } });
    },
  };
}
