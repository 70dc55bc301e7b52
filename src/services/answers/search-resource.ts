import { resourceUrls, type UrlBase } from '../../protocol/urls';
import type { ResourceRow } from '../../storage/resources';
import { folderOf } from './resource-shape';

export interface SearchExtras {
  tags?: string[];
  context?: Record<string, string>;
  metadata?: Record<string, unknown>;
  imageMetadata?: Record<string, string>;
  /** `fields`: keep only these keys besides `public_id`, `asset_id` and `created_at`. */
  fields?: string[];
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * A resource as the Search API answers it: the brief fields plus `folder`,
 * `filename`, `uploaded_at`, `aspect_ratio`, `pixels`, `status`, `etag`, and
 * `tags` / `context` (flat key-values, unlike the Admin API's `{custom}`) /
 * `metadata` / `image_metadata` when `with_field` asks for them.
 */
export function searchResource(r: ResourceRow, base: UrlBase, x: SearchExtras = {}): Record<string, unknown> {
  const urls = resourceUrls(base, r);
  const width = r.width ?? 0;
  const height = r.height ?? 0;
  const out: Record<string, unknown> = {
    asset_id: r.asset_id,
    public_id: r.public_id,
    asset_folder: r.asset_folder,
    folder: folderOf(r.public_id),
    filename: r.public_id.split('/').pop(),
    display_name: r.display_name ?? r.public_id.split('/').pop(),
    format: r.format ?? '',
    version: r.version,
    resource_type: r.resource_type,
    type: r.type,
    created_at: r.uploaded_at,
    uploaded_at: r.uploaded_at,
    bytes: r.bytes,
    backup_bytes: 0,
    width,
    height,
    aspect_ratio: height ? round(width / height, 5) : 0,
    pixels: width * height,
    url: urls.url,
    secure_url: urls.secure_url,
    status: 'active',
    access_mode: r.access_mode,
    access_control: r.access_control ? (JSON.parse(r.access_control) as unknown) : null,
    etag: r.etag,
  };
  if (x.tags) out.tags = x.tags;
  if (x.context) out.context = x.context;
  if (x.metadata) out.metadata = x.metadata;
  if (x.imageMetadata) out.image_metadata = x.imageMetadata;
  if (!x.fields) return out;
  const kept: Record<string, unknown> = { public_id: r.public_id, asset_id: r.asset_id, created_at: r.uploaded_at };
  for (const f of x.fields) if (f in out) kept[f] = out[f];
  return kept;
}
