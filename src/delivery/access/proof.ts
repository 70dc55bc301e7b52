import { unauthorized } from '../../errors';
import type { CloudCredentials } from '../../config/clouds';
import type { CloudSettings } from '../../config/settings';
import type { DeliveryRequest } from '../../protocol/delivery-url';
import { verifyUrlSignature } from '../../auth/url-signature';
import { parseAuthToken, readAuthToken, verifyAuthToken } from '../../auth/token';

/** What a delivery request proved about itself: a URL signature, a token, both or neither. */
export interface Proof {
  signed: boolean;
  token: boolean;
}

/**
 * Verifies whatever credentials the request carries. A signature or token
 * that is present but wrong is a 401 whatever the asset, so a tampered URL
 * never falls back to public delivery. Nothing here looks at storage.
 */
export async function proveRequest(req: Request, d: DeliveryRequest, cloud: CloudCredentials, settings: CloudSettings): Promise<Proof> {
  const url = new URL(req.url);
  let signed = false;
  if (d.signature !== undefined) {
    await verifyUrlSignature(
      d,
      cloud.keys.map((k) => k.apiSecret),
      settings.url_signature,
    );
    signed = true;
  }
  const raw = readAuthToken(url.search.slice(1));
  let token = false;
  if (raw !== undefined) {
    if (!settings.auth_token_key) throw unauthorized('Token-based access is not configured for this cloud (auth_token_key)');
    await verifyAuthToken(parseAuthToken(raw), {
      keyHex: settings.auth_token_key,
      rawPath: url.pathname,
      cloud: d.cloud,
      clientIp: req.headers.get('CF-Connecting-IP'),
    });
    token = true;
  }
  return { signed, token };
}
