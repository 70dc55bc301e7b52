import type { Env } from '../env';
import type { CloudCredentials } from '../config/clouds';
import type { CloudSettings } from '../config/settings';
import type { DeliveryRequest } from '../delivery/url';
import { unauthorized } from '../errors';
import type { ResourceRow } from '../storage/resources';

export interface AccessInput {
  req: Request;
  env: Env;
  d: DeliveryRequest;
  cloud: CloudCredentials;
  settings: CloudSettings;
}

/** Whether an answer may be put in the shared edge cache. */
export interface AccessDecision {
  shareable: boolean;
}

/**
 * Runs before the asset is looked up, so a denial says nothing about whether
 * a private or authenticated asset exists. Private and authenticated delivery
 * needs a signature or token, which this worker does not verify yet: deny.
 */
export async function checkRequestAccess(a: AccessInput): Promise<AccessDecision> {
  if (a.d.type === 'private' || a.d.type === 'authenticated') {
    throw unauthorized(`Resource of type ${a.d.type} requires a signed URL`);
  }
  return { shareable: true };
}

/** Checks that depend on the asset itself (access_mode), after it was found. */
export async function checkResourceAccess(_a: AccessInput, r: ResourceRow, decision: AccessDecision): Promise<AccessDecision> {
  if (r.access_mode === 'authenticated') throw unauthorized('Resource requires authenticated access');
  return decision;
}
