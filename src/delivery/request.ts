import { CldError, notFound } from '../errors';
import { findCloud } from '../config/clouds';
import { getSettings } from '../config/settings';
import { parseDeliveryPath, pathOnCloudHost } from '../protocol/delivery-url';
import { cloudForHost } from '../config/hosts';
import type { Env } from '../config/env';
import { checkRequestAccess } from './access/check';
import { derivationBudget } from '../services/derived/derivation-budget';
import { clientKey } from './client';
import { checkRemoteUrl, fetchPolicy } from '../services/remote/policy';
import type { Checked, Incoming, Located, Parsed } from './context';

/** Stage "parse URL": the path and query as a typed delivery request. */
export async function parseUrl(c: Incoming): Promise<Parsed> {
  const url = new URL(c.req.url);
  return { ...c, d: parseDeliveryPath(await standardPathname(c.env, url), url.search.slice(1)) };
}

/** The path in its standard form: a URL without the cloud segment is one when its host is a cloud's own (the `hosts` setting). */
async function standardPathname(env: Env, url: URL): Promise<string> {
  const first = url.pathname.split('/')[1] ?? '';
  if (findCloud(env, first)) return url.pathname;
  const cloud = await cloudForHost(env, url.hostname);
  return cloud ? pathOnCloudHost(url.pathname, cloud) : url.pathname;
}

/** Stage "resolve cloud": a cloud this deployment does not serve is a 404. */
export function resolveCloud(c: Parsed): Located {
  const cloud = findCloud(c.env, c.d.cloud);
  if (!cloud) throw notFound(`Unknown cloud name ${c.d.cloud}`);
  return { ...c, cloud };
}

/**
 * Stage "request checks": what can be decided before any lookup (video is not
 * served; signatures, tokens, strict transformations, a fetch URL's domain), so a denial is the
 * same whether or not the asset exists.
 */
export async function checkRequest(c: Located): Promise<Checked> {
  if (c.d.resourceType === 'video') throw new CldError(501, 'Video delivery is not supported');
  const settings = await getSettings(c.env.CONFIG, c.d.cloud);
  // Before the edge cache, so narrowing allowed_fetch_domains refuses cached answers of fetch URLs at once.
  if (c.d.type === 'fetch' && c.d.remoteUrl) checkRemoteUrl(c.d.remoteUrl, fetchPolicy(c.env, settings));
  const decision = await checkRequestAccess({ ...c, settings });
  const proven = decision.proof.signed || decision.proof.token;
  const ctx = c.ctx;
  const spend = {
    budget: proven ? undefined : derivationBudget(c.env, c.d.cloud, clientKey(c.req)),
    waitUntil: ctx ? (work: Promise<unknown>) => ctx.waitUntil(work) : undefined,
  };
  return { ...c, settings, decision, spend };
}
