import { badRequest } from '../../errors';
import type { Env } from '../../config/env';
import type { ApiKeyPair, CloudCredentials } from '../../config/clouds';
import { getSettings } from '../../config/settings';
import { uploadPresets, type UploadPreset } from '../../config/collections';
import { verifyApiSignature } from '../../auth/api-signature';
import { Params } from '../../protocol/params';

/** How an Upload API call was authorised, and the parameters in force (the preset's under the request's). */
export interface Authorized {
  signed: boolean;
  /** The key that signed the call (none for unsigned uploads). */
  signer?: ApiKeyPair;
  preset: UploadPreset | null;
  params: Params;
}

/**
 * The parameters an unsigned upload may set itself (Cloudinary's list for
 * unsigned uploads); the
 * preset decides everything else. Transport fields are always allowed.
 */
const UNSIGNED_ALLOWED = new Set([
  'public_id',
  'folder',
  'callback',
  'tags',
  'context',
  'face_coordinates',
  'custom_coordinates',
  'upload_preset',
  'file',
  'api_key',
  'timestamp',
  'resource_type',
  'cloud_name',
]);

/**
 * Signed calls carry `signature` (checked against the cloud's secret); any
 * other call must name an unsigned preset or fall under the cloud's
 * default_upload_preset.
 */
export async function authorizeUpload(env: Env, cloud: CloudCredentials, given: Params): Promise<Authorized> {
  const signed = given.has('signature');
  const verified = signed ? await verifyApiSignature(given, cloud) : undefined;
  const params = verified?.params ?? given;
  const signer = verified?.signer;
  const named = params.string('upload_preset') || (await getSettings(env.CONFIG, cloud.cloudName)).default_upload_preset;
  if (!signed && !named) throw badRequest('Upload preset must be specified when using unsigned upload');
  const preset = named ? ((await uploadPresets(env.CONFIG, cloud.cloudName).get(named)) ?? null) : null;
  if (named && !preset) throw badRequest(`Upload preset not found: ${named}`);
  if (!signed) {
    if (!preset!.unsigned) throw badRequest('Upload preset must be whitelisted for unsigned uploads');
    for (const key of Object.keys(params.fields)) {
      if (!UNSIGNED_ALLOWED.has(key))
        throw badRequest(
          `Parameter ${key} is not allowed when using unsigned upload. Only ${[...UNSIGNED_ALLOWED].slice(0, 7).join(', ')} are`,
        );
    }
  }
  const merged = preset ? new Params({ ...preset.settings, ...params.fields }) : params;
  return { signed, signer, preset, params: merged };
}

/**
 * Whether the fields that authorize an upload have arrived: a signature, or
 * a preset named. Before a file, they decide whether its bytes may be read.
 */
export const carriesAuthorization = (fields: Params) => fields.has('signature') || fields.has('upload_preset');
