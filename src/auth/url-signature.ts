import { unauthorized } from '../errors';
import type { CloudSettings } from '../config/settings';
import type { DeliveryRequest } from '../protocol/delivery-url';
import { constantTimeEqual, digest, toBase64, type HashAlgorithm } from './crypto';

/**
 * Delivery URL signatures, the `s--SIG--` component
 * (https://cloudinary.com/documentation/control_access_to_media): the first L
 * characters of base64(HASH(to_sign + api_secret)) with `/`->`_`, `+`->`-`.
 */
export interface SignatureForm {
  algorithm: HashAlgorithm;
  length: 8 | 32;
}

export const SHA1_SHORT: SignatureForm = { algorithm: 'SHA-1', length: 8 };
export const SHA256_SHORT: SignatureForm = { algorithm: 'SHA-256', length: 8 };
export const SHA256_LONG: SignatureForm = { algorithm: 'SHA-256', length: 32 };

/**
 * Which forms a cloud accepts, by signature length and `url_signature`
 * setting. An 8-character signature does not say which hash made it
 * (`signature_algorithm: 'sha256'` gives 8 characters too), so both are tried.
 */
const ACCEPTED: Record<CloudSettings['url_signature'], Record<number, readonly SignatureForm[]>> = {
  'sha1-8': { 8: [SHA1_SHORT, SHA256_SHORT], 32: [SHA256_LONG] },
  'sha256-32': { 32: [SHA256_LONG] },
};

export async function computeUrlSignature(toSign: string, secret: string, form: SignatureForm): Promise<string> {
  const b64 = toBase64(await digest(form.algorithm, toSign + secret));
  return b64.slice(0, form.length).replace(/\//g, '_').replace(/\+/g, '-');
}

/** Ruby's `fully_unescape`: percent-decodes until stable, leaving `+` alone. */
function fullyUnescape(s: string): string {
  let current = s;
  for (let i = 0; i < 8; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

/**
 * The SDK's text overlays encode their text (`a b` -> `a%20b`) before signing
 * but not their font (`Times New Roman`): in `l_text:<style>:<text>` only the
 * part before the last `:` had literal spaces.
 */
function spacedOutsideText(transformation: string): string {
  return transformation
    .split('/')
    .map((component) =>
      component
        .split(',')
        .map((item) => {
          if (!/^[lu]_text:/.test(item)) return item.replace(/%20/g, ' ');
          const i = item.lastIndexOf(':');
          return item.slice(0, i).replace(/%20/g, ' ') + item.slice(i);
        })
        .join(','),
    )
    .join('/');
}

const join = (transformation: string, source: string) => (transformation ? `${transformation}/${source}` : source);

/**
 * The strings the SDKs sign for this URL: Node and Python sign the
 * transformation with literal spaces (but a text overlay's text encoded) and
 * the source as encoded in the URL;
 * some sign the path as it appears; Ruby signs it fully unescaped; Go signs
 * the public id as the user gave it. None includes the version or url_suffix.
 */
export function urlSignatureCandidates(d: Pick<DeliveryRequest, 'transformations' | 'rawSource'>): string[] {
  const raw = d.transformations.join('/');
  const spaced = raw.replace(/%20/g, ' ');
  return [
    ...new Set([
      join(spaced, d.rawSource),
      join(spacedOutsideText(raw), d.rawSource),
      join(raw, d.rawSource),
      fullyUnescape(join(raw, d.rawSource)),
      join(spaced, fullyUnescape(d.rawSource)),
    ]),
  ];
}

/**
 * Checks the `s--SIG--` of a delivery URL against the cloud's secrets (a URL
 * signed with any current key's secret is good: keys are rotated). Every
 * candidate string and form is compared, in constant time, whichever matched,
 * so the time taken says nothing about how close a guess was.
 */
export async function verifyUrlSignature(
  d: Pick<DeliveryRequest, 'signature' | 'transformations' | 'rawSource'>,
  secrets: string | readonly string[],
  policy: CloudSettings['url_signature'],
): Promise<void> {
  const signature = d.signature ?? '';
  const forms = ACCEPTED[policy][signature.length];
  if (!forms) {
    throw unauthorized(
      policy === 'sha256-32' && signature.length === 8
        ? 'Invalid signature: this cloud accepts only the 32-character (long) URL signature'
        : `Invalid signature length: ${signature.length} characters (expected ${policy === 'sha256-32' ? '32' : '8 or 32'})`,
    );
  }
  let ok = false;
  for (const candidate of urlSignatureCandidates(d)) {
    for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
      for (const form of forms) {
        if (constantTimeEqual(await computeUrlSignature(candidate, secret, form), signature)) ok = true;
      }
    }
  }
  if (!ok) throw unauthorized('Invalid signature');
}
