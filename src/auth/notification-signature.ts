import { hexDigest, type HashAlgorithm } from './crypto';

/**
 * The signature Cloudinary puts on every notification it POSTs
 * (https://cloudinary.com/documentation/notifications):
 * `X-Cld-Signature = hex(SHA1(raw_body + X-Cld-Timestamp + api_secret))`.
 * The SDKs' `verifyNotificationSignature` recomputes exactly this.
 */
export function notificationSignature(body: string, timestamp: number, apiSecret: string, alg: HashAlgorithm = 'SHA-1'): Promise<string> {
  return hexDigest(alg, `${body}${timestamp}${apiSecret}`);
}

/** The headers of a signed notification sent at `now`. */
export async function notificationHeaders(body: string, apiSecret: string, now = Date.now()): Promise<Record<string, string>> {
  const timestamp = Math.floor(now / 1000);
  return {
    'Content-Type': 'application/json',
    'X-Cld-Timestamp': String(timestamp),
    'X-Cld-Signature': await notificationSignature(body, timestamp, apiSecret),
  };
}
