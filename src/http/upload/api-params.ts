import { readParams, type Params } from '../../protocol/params';
import { verifyApiSignature } from '../../auth/api-signature';
import type { CloudCredentials } from '../../config/clouds';

/**
 * The parameters of a signed, file-less Upload API call (destroy, rename,
 * tags, explicit, text), read within the field limits and checked: only
 * what the signature covers.
 */
export async function signedApiParams(req: Request, cloud: CloudCredentials): Promise<Params> {
  return verifyApiSignature(await readParams(req), cloud);
}
