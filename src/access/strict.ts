import type { Env } from '../env';
import { unauthorized } from '../errors';
import { namedTransformations, type Collection, type NamedTransformation } from '../config/collections';
import { normaliseFormat, type DeliveryRequest } from '../delivery/url';
import { ensureSchema } from '../storage/schema';

/**
 * Strict transformations (seed, "Control access to images"): with the cloud
 * setting on, an unsigned derived URL is served only when its transformation
 * was generated eagerly for the asset, is itself marked `allowed_for_strict`
 * through the Admin API, or consists only of named transformations that are.
 * A token does not lift strict mode: only a URL signature does, as at
 * Cloudinary.
 */

/** `t_a.b` components only, each a named transformation allowed for strict. */
async function onlyAllowedNames(collection: Collection<NamedTransformation>, d: DeliveryRequest): Promise<boolean> {
  const names: string[] = [];
  for (const component of d.transformations) {
    if (!component.startsWith('t_') || component.includes(',')) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(component.slice(2));
    } catch {
      return false;
    }
    names.push(...decoded.split('.'));
  }
  for (const name of names) {
    const entry = await collection.get(name);
    if (!entry || entry.named === false || !entry.allowed_for_strict) return false;
  }
  return true;
}

/** The transformation as the URL, a derived row or an Admin API entry may spell it: as sent, with spaces, or decoded. */
function transformationForms(d: DeliveryRequest): string[] {
  const raw = d.transformations.join('/');
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // keep the raw form
  }
  return [...new Set([raw, raw.replace(/%20/g, ' '), decoded])];
}

/**
 * An unnamed transformation marked `allowed_for_strict` through the Admin API
 * (`update_transformation('w_100', {allowed_for_strict: true})`), stored under
 * its own string, possibly ending in the format.
 */
async function explicitlyAllowed(collection: Collection<NamedTransformation>, d: DeliveryRequest): Promise<boolean> {
  const forms = transformationForms(d);
  const keys = d.format ? [...forms, ...forms.map((f) => `${f}/${d.format}`)] : forms;
  for (const key of keys) {
    const entry = await collection.get(key);
    if (entry && entry.named === false && entry.allowed_for_strict) return true;
  }
  return false;
}

/**
 * Whether an eager derived row exists for the current version of the asset
 * with this transformation and extension. Queried by the URL's own fields, so
 * the answer is "no" alike for a missing asset and a missing derived image.
 */
async function generatedEagerly(env: Env, d: DeliveryRequest): Promise<boolean> {
  await ensureSchema(env.DB);
  const forms = transformationForms(d);
  const rows = await env.DB.prepare(
    `SELECT d.format AS format FROM derived d JOIN resources r ON d.resource_id = r.id AND d.version = r.version
     WHERE r.cloud = ? AND r.resource_type = ? AND r.type = ? AND r.public_id = ? AND d.eager = 1
       AND d.transformation IN (${forms.map(() => '?').join(',')})`,
  )
    .bind(d.cloud, d.resourceType, d.type, d.publicId, ...forms)
    .all<{ format: string }>();
  const wanted = normaliseFormat(d.format);
  return rows.results.some((r) => wanted === undefined || normaliseFormat(r.format) === wanted);
}

/** Throws 401 with the reason unless strict mode allows this unsigned derived URL. */
export async function requireStrictAllowed(env: Env, d: DeliveryRequest): Promise<void> {
  const collection = namedTransformations(env.CONFIG, d.cloud);
  if (await onlyAllowedNames(collection, d)) return;
  if (await explicitlyAllowed(collection, d)) return;
  if (await generatedEagerly(env, d)) return;
  throw unauthorized(
    `Transformation ${d.transformations.join('/')} is not allowed: strict transformations are on, and it was not generated eagerly, ` +
      'is not marked allowed_for_strict (nor made only of named transformations that are), and the URL is not signed',
  );
}

/**
 * Under strict mode a URL without the stored extension, or with another one,
 * asks for a derived image too (a format conversion): it is served unsigned
 * only for an exact original URL.
 */
export function requireStrictOriginal(d: DeliveryRequest, storedFormat: string | null): void {
  if (d.resourceType === 'raw') return;
  if (d.format !== undefined && normaliseFormat(d.format) === normaliseFormat(storedFormat)) return;
  throw unauthorized(
    `Transformation ${d.format === undefined ? 'without an extension' : `to format ${d.format}`} is not allowed: ` +
      'strict transformations are on; request the original with its own extension, or sign the URL',
  );
}
