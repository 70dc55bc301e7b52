import type { Params } from '../../protocol/params';
import { parseUploadOptions } from '../upload/options';
import { StagedFile } from '../upload/staging';
import { storeUpload, type UploadContext } from '../upload/upload';

/**
 * Stores a generated file (a multi animation, a sprite and its CSS and JSON) as
 * the asset `<type>/<tag>`, replacing the previous one: the call's own fields
 * (tag, transformation, urls) describe what was made, not how to store it.
 */
export async function storeGenerated(
  ctx: UploadContext,
  params: Params,
  what: { type: 'multi' | 'sprite'; resourceType: 'image' | 'raw'; publicId: string; bytes: Uint8Array },
): Promise<Record<string, unknown>> {
  const options = {
    ...parseUploadOptions(params, true),
    publicId: what.publicId,
    folder: '',
    type: what.type,
    overwrite: true,
    invalidate: true,
    transformation: undefined,
    eager: [],
    tags: [],
    format: undefined,
    allowedFormats: [],
  };
  const file = await StagedFile.fromMemory(ctx.env.BUCKET, what.bytes);
  return storeUpload(ctx, what.resourceType, { file, filename: what.publicId }, options);
}
