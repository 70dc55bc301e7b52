import { Hono, type Context } from 'hono';
import { adminAuth, type AppEnv } from '../cloud';
import { badRequest } from '../../errors';
import { configFrom } from '../../config/config';
import { resourceTotals } from '../../storage/resources';
import { derivedTotals } from '../../storage/derived';
import { adminJson } from './respond';
import { flushUsage, readUsage } from '../../services/usage-counters';

/** `dd-mm-yyyy` (Go, the Node tests) or `yyyy-mm-dd` into `yyyy-mm-dd`. */
function parseUsageDate(raw: string): string {
  const dmy = /^(\d{2})-(\d{2})-(\d{4})$/.exec(raw);
  const iso = dmy ? `${dmy[3]}-${dmy[2]}-${dmy[1]}` : raw;
  const d = new Date(`${iso}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso) {
    throw badRequest(`Invalid date ${raw}: use dd-mm-yyyy or yyyy-mm-dd`);
  }
  return iso;
}

/**
 * A self-hosted cloud has no plan limits: `limit` is 0 (none) and
 * `used_percent` 0, and nothing costs credits.
 */
const metered = (usage: number, withLimit: boolean) =>
  withLimit ? { usage, credits_usage: 0, limit: 0, used_percent: 0 } : { usage, credits_usage: 0 };

async function usage(c: Context<AppEnv>, rawDate?: string): Promise<Response> {
  const cloud = c.get('cloud');
  const onDay = rawDate === undefined ? undefined : parseUsageDate(rawDate);
  const db = c.env.DB;
  await flushUsage(c.env); // this isolate's latest counts are part of the answer
  const [counters, originals, derived] = await Promise.all([
    readUsage(c.env, cloud.cloudName, onDay),
    resourceTotals(db, cloud.cloudName),
    derivedTotals(db, cloud.cloudName),
  ]);
  const limits = configFrom(c.env).limits;
  const withLimit = onDay === undefined;
  const resources = originals.n;
  const derivedResources = derived.n;
  return adminJson(c, {
    plan: 'Self-hosted',
    last_updated: onDay ?? new Date().toISOString().slice(0, 10),
    transformations: metered(counters.transformations, withLimit),
    objects: withLimit ? { usage: resources + derivedResources, limit: 0, used_percent: 0 } : { usage: resources + derivedResources },
    bandwidth: metered(counters.bandwidth, withLimit),
    storage: metered(originals.bytes + derived.bytes, withLimit),
    requests: counters.requests,
    resources,
    derived_resources: derivedResources,
    media_limits: {
      image_max_size_bytes: limits.maxUploadBytes,
      video_max_size_bytes: limits.maxUploadBytes,
      raw_max_size_bytes: limits.maxUploadBytes,
      image_max_px: limits.maxImagePixels,
      asset_max_total_px: limits.maxImagePixels,
    },
  });
}

/** `ping`, `usage[/<date>]` (Admin API). */
export const accountRoutes = new Hono<AppEnv>()
  .get('/ping', adminAuth, (c) => {
    return adminJson(c, { status: 'ok' });
  })
  .get('/usage', adminAuth, (c) => usage(c))
  .get('/usage/:date', adminAuth, (c) => usage(c, c.req.param('date')));
