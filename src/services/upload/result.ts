import { responseSignature } from '../../auth/api-signature';
import { resourceUrls, type UrlBase } from '../../protocol/urls';
import type { ResourceRow } from '../../storage/resources';
import { coordinatesOf } from '../analysis/semantic';

/** The upload answer, field for field as Cloudinary's
 * (https://cloudinary.com/documentation/image_upload_api_reference#upload_response). */
export async function uploadResult(
  r: ResourceRow,
  o: { base: UrlBase; apiSecret: string; tags: string[]; context: Record<string, string>; overwritten?: boolean; existing?: boolean },
): Promise<Record<string, unknown>> {
  const urls = resourceUrls(o.base, r);
  const result: Record<string, unknown> = {
    asset_id: r.asset_id,
    public_id: r.public_id,
    version: r.version,
    version_id: r.version_id,
    signature: await responseSignature(r.public_id, r.version, o.apiSecret),
    ...(r.width != null ? { width: r.width, height: r.height } : {}),
    ...(r.format ? { format: r.format } : {}),
    resource_type: r.resource_type,
    created_at: r.uploaded_at,
    tags: o.tags,
    ...(r.pages != null && r.resource_type === 'image' ? { pages: r.pages } : {}),
    bytes: r.bytes,
    type: r.type,
    etag: r.etag,
    placeholder: r.placeholder === 1,
    url: urls.url,
    secure_url: urls.secure_url,
    access_mode: r.access_mode,
    asset_folder: r.asset_folder,
    display_name: r.display_name ?? r.public_id.split('/').pop(),
    ...(r.original_filename ? { original_filename: r.original_filename } : {}),
  };
  if (Object.keys(o.context).length) result.context = { custom: o.context };
  const coordinates = coordinatesOf(r.coordinates);
  if (coordinates) result.coordinates = coordinates;
  if (r.moderation_kind) result.moderation = [{ kind: r.moderation_kind, status: r.moderation_status }];
  if (o.overwritten) result.overwritten = true;
  if (o.existing) result.existing = true;
  return result;
}
