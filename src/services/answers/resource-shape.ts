import { deliveryUrls, resourceUrls, type UrlBase } from '../../protocol/urls';
import type { ResourceRow } from '../../storage/resources';
import { coordinatesOf, parseInfo } from '../analysis/semantic';

/** A row of `derived` as the Admin API reports it. */
export interface DerivedRow {
  id: number;
  transformation: string;
  format: string;
  bytes: number;
  version: number;
  width: number | null;
  height: number | null;
}

export interface BriefExtras {
  tags?: string[];
  context?: Record<string, string>;
  metadata?: Record<string, unknown>;
  withModerations?: boolean;
  /** `fields=`: keep only these keys (besides public_id, asset_id and folder). */
  fields?: string[];
}

/** The folder part of a public id (fixed folders: `a/b/x` is in `a/b`). */
export const folderOf = (publicId: string) => (publicId.includes('/') ? publicId.slice(0, publicId.lastIndexOf('/')) : '');

const moderationOf = (r: ResourceRow) =>
  r.moderation_kind ? [{ kind: r.moderation_kind, status: r.moderation_status, updated_at: r.moderation_updated_at ?? r.uploaded_at }] : [];

/** A resource in a listing: the brief form the Admin API lists (https://cloudinary.com/documentation/admin_api#get_resources). */
export function briefResource(r: ResourceRow, base: UrlBase, x: BriefExtras = {}): Record<string, unknown> {
  const urls = resourceUrls(base, r);
  const brief: Record<string, unknown> = {
    asset_id: r.asset_id,
    public_id: r.public_id,
    format: r.format ?? '',
    version: r.version,
    resource_type: r.resource_type,
    type: r.type,
    created_at: r.uploaded_at,
    bytes: r.bytes,
    width: r.width ?? 0,
    height: r.height ?? 0,
    backup: r.backup === 1,
    access_mode: r.access_mode,
    url: urls.url,
    secure_url: urls.secure_url,
    asset_folder: r.asset_folder,
    display_name: r.display_name ?? r.public_id.split('/').pop(),
  };
  if (x.tags) brief.tags = x.tags;
  if (x.context && Object.keys(x.context).length) brief.context = { custom: x.context };
  if (x.metadata) brief.metadata = x.metadata;
  if (x.withModerations && r.moderation_kind) {
    brief.moderation_kind = r.moderation_kind;
    brief.moderation_status = r.moderation_status;
    brief.moderation = moderationOf(r);
  }
  if (!x.fields) return brief;
  const kept: Record<string, unknown> = { public_id: r.public_id, asset_id: r.asset_id, folder: folderOf(r.public_id) };
  for (const f of x.fields) if (f in brief) kept[f] = brief[f];
  return kept;
}

export interface FullExtras {
  tags: string[];
  context: Record<string, string>;
  derived: DerivedRow[];
  derivedNextCursor?: string;
  versions?: Record<string, unknown>[];
}

/** One resource with everything the worker knows about it, as the Admin API answers for one resource. */
export function fullResource(r: ResourceRow, base: UrlBase, x: FullExtras): Record<string, unknown> {
  const full: Record<string, unknown> = {
    ...briefResource(r, base),
    folder: folderOf(r.public_id),
    etag: r.etag,
    placeholder: r.placeholder === 1,
    original_filename: r.original_filename ?? r.public_id.split('/').pop(),
    last_updated: {
      updated_at: r.moderation_updated_at && r.moderation_updated_at > r.uploaded_at ? r.moderation_updated_at : r.uploaded_at,
    },
    tags: x.tags,
    derived: x.derived.map((d) => derivedEntry(r, base, d)),
  };
  if (x.derivedNextCursor) full.derived_next_cursor = x.derivedNextCursor;
  if (Object.keys(x.context).length) full.context = { custom: x.context };
  if (r.moderation_kind) full.moderation = moderationOf(r);
  if (r.access_control) full.access_control = parseJson(r.access_control);
  if (r.pages != null && r.resource_type === 'image') full.pages = r.pages;
  const coordinates = { ...coordinatesOf(r.coordinates) };
  // Faces found by the detector stand in for face_coordinates when none were given.
  const detected = parseInfo(r.info).faces;
  if (!coordinates.faces?.length && detected?.length) coordinates.faces = detected;
  if (Object.keys(coordinates).length) full.coordinates = coordinates;
  if (x.versions) full.versions = x.versions;
  return full;
}

function derivedEntry(r: ResourceRow, base: UrlBase, d: DerivedRow): Record<string, unknown> {
  // The stored variant key is `<canonical transformation>|<format>[|resolved values]`; the answer and its URL carry the transformation.
  const transformation = d.transformation.split('|', 1)[0];
  const urls = deliveryUrls(base, {
    cloud: r.cloud,
    resourceType: r.resource_type,
    type: r.type,
    transformation,
    version: d.version,
    publicId: r.public_id,
    format: d.format || r.format,
  });
  return {
    transformation,
    format: d.format,
    bytes: d.bytes,
    id: String(d.id),
    url: urls.url,
    secure_url: urls.secure_url,
  };
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
