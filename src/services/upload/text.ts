import { badRequest } from '../../errors';
import { hexDigest, toHex } from '../../auth/crypto';
import { configFrom } from '../../config/config';
import { type Params, required } from '../../protocol/params';
import { putOriginal } from '../../storage/assets';
import { parseTextStyle } from '../../engine/text/style';
import { renderText } from '../../engine/text/render';
import { engineMemory } from '../../engine/budget';
import { validatePublicId } from './public-id';
import { uploadResult } from './result';
import type { ManageContext } from './manage';
import { purgeAsset } from '../cache/purge';

/**
 * `text`: an image of a string, stored under type `text` (the Upload API's
 * `text` method, https://cloudinary.com/documentation/image_upload_api_reference#text). Without a public id, the same text and style give the same
 * id, as Cloudinary's 32-hex ids do. The style is kept with the asset so the
 * image can serve as a text style later.
 */
export async function createText(ctx: ManageContext, params: Params): Promise<Record<string, unknown>> {
  if (ctx.resourceType !== 'image') throw badRequest('Text images are of resource type image');
  const text = required(params, 'text');
  const style = parseTextStyle((k) => params.string(k) || undefined);
  const publicId = validatePublicId(params.string('public_id') || (await hexDigest('SHA-256', JSON.stringify([text, style]))).slice(0, 32));
  const limits = configFrom(ctx.env).limits;
  const rendered = await renderText(text, style, limits.maxOutputPixels, { memory: engineMemory(limits.engineMemoryBytes) });
  const ref = { cloud: ctx.cloud.cloudName, resourceType: 'image', type: 'text', publicId };
  const { resource, overwritten } = await putOriginal(ctx.env, {
    ref,
    body: rendered.png,
    bytes: rendered.png.length,
    etag: toHex(new Uint8Array(await crypto.subtle.digest('MD5', rendered.png))),
    contentType: 'image/png',
    format: 'png',
    width: rendered.width,
    height: rendered.height,
    pages: 1,
    overwrite: true,
    info: JSON.stringify({ text, text_style: style }),
  });
  if (overwritten) await purgeAsset(ctx.env, ref);
  return uploadResult(resource, { base: ctx.base, apiSecret: ctx.cloud.apiSecret, tags: [], context: {}, overwritten });
}
