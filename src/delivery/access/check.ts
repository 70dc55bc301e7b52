import { openToAnonymous } from '../../protocol/access-control';
import type { Env } from '../../config/env';
import type { CloudCredentials } from '../../config/clouds';
import type { CloudSettings } from '../../config/settings';
import type { DeliveryRequest, DeliveryType } from '../../protocol/delivery-url';
import { unauthorized } from '../../errors';
import type { ResourceRow } from '../../storage/resources';
import { proveRequest, type Proof } from './proof';
import { requireStrictAllowed, requireStrictOriginal } from './strict';

export interface AccessInput {
  req: Request;
  env: Env;
  d: DeliveryRequest;
  cloud: CloudCredentials;
  settings: CloudSettings;
}

/**
 * The access stage's verdict on an allowed request. `shareable` says whether
 * the answer may go in a shared cache (edge cache, CDN): false whenever it was
 * given on the strength of a signature or token the next requester may lack.
 * Denials are thrown (401) and are never shareable.
 */
export interface AccessDecision {
  shareable: boolean;
  proof: Proof;
}

/**
 * Which requests need a signature or token, by delivery type: a private
 * asset's original but not its derived versions; everything of an
 * authenticated asset; nothing else. "Original" here means a URL without
 * transformation components, decided before any lookup.
 */
const NEEDS_PROOF: Record<DeliveryType, { original: boolean; derived: boolean }> = {
  upload: { original: false, derived: false },
  fetch: { original: false, derived: false },
  text: { original: false, derived: false },
  multi: { original: false, derived: false },
  sprite: { original: false, derived: false },
  private: { original: true, derived: false },
  authenticated: { original: true, derived: true },
};

const isDerived = (d: DeliveryRequest) => d.transformations.length > 0;
const proven = (p: Proof) => p.signed || p.token;

/**
 * Runs before the asset is looked up, so a denial here is the same whether or
 * not a private or authenticated asset exists: Cloudinary reveals no more.
 */
export async function checkRequestAccess(a: AccessInput): Promise<AccessDecision> {
  const proof = await proveRequest(a.req, a.d, a.cloud, a.settings);
  const needs = NEEDS_PROOF[a.d.type][isDerived(a.d) ? 'derived' : 'original'];
  if (needs && !proven(proof)) throw unauthorized(`Resource of type ${a.d.type} requires a signed URL or a valid token`);
  if (isDerived(a.d) && a.settings.strict_transformations && !proof.signed) await requireStrictAllowed(a.env, a.d);
  return { shareable: !needs, proof };
}

/**
 * Checks that depend on the asset itself, after it was found: an `upload`
 * asset with access_mode=authenticated behaves like an authenticated one, and
 * under strict mode an unsigned URL must name the original's own extension.
 */
export async function checkResourceAccess(a: AccessInput, r: ResourceRow, decision: AccessDecision): Promise<AccessDecision> {
  let shareable = decision.shareable;
  if (r.access_mode === 'authenticated') {
    if (!proven(decision.proof)) throw unauthorized('Resource requires authenticated access: sign the URL or add a valid token');
    shareable = false;
  }
  if (r.access_control) {
    // Outside its anonymous windows the asset needs a token or signature; inside, no cache may keep it past the window.
    if (!openToAnonymous(r.access_control, Date.now()) && !proven(decision.proof)) {
      throw unauthorized('Resource is restricted by access_control: sign the URL or add a valid token');
    }
    shareable = false;
  }
  if (!isDerived(a.d) && a.settings.strict_transformations && !decision.proof.signed) requireStrictOriginal(a.d, r.format);
  return { shareable, proof: decision.proof };
}

/** A non-shareable answer: kept by no cache at all, since the signature or token behind it may expire. */
export const PRIVATE_CACHE_CONTROL = 'private, no-store';

/** Applies the decision to an answer's headers (304s included). */
export function withAccessPolicy(res: Response, decision: AccessDecision): Response {
  if (decision.shareable) return res;
  const out = new Response(res.body, res);
  out.headers.set('Cache-Control', PRIVATE_CACHE_CONTROL);
  return out;
}
