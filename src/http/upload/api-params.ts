import type { Params } from '../../protocol/params';
import { verifyApiSignature } from '../../auth/api-signature';
import type { ApiKeyPair, CloudCredentials } from '../../config/clouds';
import { readUploadRequest } from './request';

/** Non-upload calls carry no file: a small body is plenty. */
const MAX_API_BODY = 1024 * 1024;

/** The parameters of a signed, file-less Upload API call (destroy, rename, tags, explicit, text), checked, and the key that signed them. */
export async function signedApiParams(
  req: Request,
  bucket: R2Bucket,
  cloud: CloudCredentials,
): Promise<{ params: Params; signer: ApiKeyPair }> {
  const { params, file } = await readUploadRequest(req, { bucket, cloud: cloud.cloudName, maxBytes: MAX_API_BODY });
  await file?.discard();
  const signer = await verifyApiSignature(params, cloud);
  return { params, signer };
}
