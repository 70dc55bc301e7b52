import { readParams, type Params } from '../../protocol/params';
import { verifyApiSignature } from '../../auth/api-signature';
import type { ApiKeyPair, CloudCredentials } from '../../config/clouds';

/**
 * The parameters of a signed, file-less Upload API call (destroy, rename,
 * tags, explicit, text), read within the field limits and checked: only
 * what the signature covers, and the key that signed them.
 */
export async function signedApiParams(req: Request, cloud: CloudCredentials): Promise<{ params: Params; signer: ApiKeyPair }> {
  return verifyApiSignature(await readParams(req), cloud);
}
