import { Params } from '../../protocol/params';
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
  // Only the notification URL carries over: eval, eager, folders and the like are upload options, not the call's.
  const notificationUrl = params.string('notification_url');
  const options = {
    ...parseUploadOptions(new Params(notificationUrl ? { notification_url: notificationUrl } : {}), true),
    publicId: what.publicId,
    folder: '',
    type: what.type,
    overwrite: true,
    invalidate: true,
  };
  const file = await StagedFile.fromMemory(ctx.env.BUCKET, what.bytes);
  return storeUpload(ctx, what.resourceType, { file, filename: what.publicId }, options);
}
