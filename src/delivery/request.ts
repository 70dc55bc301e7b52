import { CldError, notFound } from '../errors';
import { findCloud } from '../config/clouds';
import { getSettings } from '../config/settings';
import { parseDeliveryPath } from '../protocol/delivery-url';
import { checkRequestAccess } from './access/check';
import { derivationBudget } from '../services/derived/derivation-budget';
import { clientKey } from './client';
import type { Checked, Incoming, Located, Parsed } from './context';

/** Stage "parse URL": the path and query as a typed delivery request. */
export function parseUrl(c: Incoming): Parsed {
  const url = new URL(c.req.url);
  return { ...c, d: parseDeliveryPath(url.pathname, url.search.slice(1)) };
}

/** Stage "resolve cloud": a cloud this deployment does not serve is a 404. */
export function resolveCloud(c: Parsed): Located {
  const cloud = findCloud(c.env, c.d.cloud);
  if (!cloud) throw notFound(`Unknown cloud name ${c.d.cloud}`);
  return { ...c, cloud };
}

/**
 * Stage "request checks": what can be decided before any lookup (video is not
 * served; signatures, tokens, strict transformations), so a denial is the
 * same whether or not the asset exists.
 */
export async function checkRequest(c: Located): Promise<Checked> {
  if (c.d.resourceType === 'video') throw new CldError(501, 'Video delivery is not supported');
  const settings = await getSettings(c.env.CONFIG, c.d.cloud);
  const decision = await checkRequestAccess({ ...c, settings });
  const proven = decision.proof.signed || decision.proof.token;
  const ctx = c.ctx;
  const spend = {
    budget: proven ? undefined : derivationBudget(c.env, c.d.cloud, clientKey(c.req)),
    waitUntil: ctx ? (work: Promise<unknown>) => ctx.waitUntil(work) : undefined,
  };
  return { ...c, settings, decision, spend };
}
